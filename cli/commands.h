/* commands.h — entry points of the subcommands (rows of commands.def). Each
** takes the whole argv and the index of its first own argument, and returns
** the process exit status (0 ok, 1 a check failed, 2 bad input). */
#ifndef LP_COMMANDS_H
#define LP_COMMANDS_H

#define LP_CMD(name, fn, summary) int fn(int argc, char **argv, int first);
#include "commands.def"
#undef LP_CMD

#endif
