#include "lp_test.h"
CU_TestInfo lpt_cli_tests[] = {CU_TEST_INFO_NULL};
