/*
** asm_int.h — the assembler's inside, shared by its files: asm.c (driver,
** lines, instructions, diagnostics), asm_expr.c (arguments, symbols,
** expressions), asm_operand.c (operands by kind), asm_dir.c (directives),
** asm_data.c (buffers, contents and expected outputs). Not a public header.
*/
#ifndef ISA_ASM_INT_H
#define ISA_ASM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "asm.h"

#define ASM_LINE_MAX_BYTES 4096
#define ASM_MAX_SYMS 1024
#define ASM_MAX_ARGS 16
#define ASM_MAX_FOR_DEPTH 16
#define ASM_DEFAULT_SPACE (UINT64_C(1) << ISA_ADDR_BITS)
#define ASM_MAX_WORK (UINT64_C(1) << 26)       /* lines + iterations: .for expansion cannot run away */
#define ASM_MAX_WORK_BYTES (UINT64_C(1) << 30) /* bytes of lines processed: 2^24 lines of 64 bytes */
#define ASM_HASH_SLOTS 8192                    /* symbol and buffer names (at most 1024 + 4096 live) */

typedef struct line {
    const char *s;
    size_t len;
    int no;
} line;

typedef struct sym {
    char name[ISA_NAME_MAX];
    int64_t value;
    bool loop; /* a .for variable (scoped) */
} sym;

/* An operand (or directive argument): text and its 1-based column. */
typedef struct arg {
    const char *s;
    size_t len;
    int col;
} arg;

typedef struct as {
    const asm_opts *o;
    asm_diags *dg;
    isa_prog *p;
    line *lines;
    int nlines;
    sym syms[ASM_MAX_SYMS];
    int nsyms;
    /* names to their index: symbols (>= 0) and buffers (-2 - index); -1 empty */
    int32_t names[ASM_HASH_SLOTS];
    int max_errors;
    bool stop, nomem;
    uint64_t spm_bytes, acc_bytes;
    char dir[1024];
    uint64_t n_emitted;  /* instructions emitted, to bound .for expansion */
    uint64_t work;       /* lines and loop iterations processed, to bound it too */
    uint64_t work_bytes; /* bytes of the lines processed (ASM_MAX_WORK_BYTES) */
    uint64_t max_work;
    bool *errored;                    /* per line: reported an error already (loop bodies are not re-checked) */
    int *dir_end;                     /* per directive line: 1 + the last line it consumed, 0 before it ran */
    int data_line[ISA_MAX_BUFFERS];   /* per buffer: the line of its .data, 0 if none */
    int expect_line[ISA_MAX_BUFFERS]; /* per buffer: the line of its .expect, 0 if none */
    int depth;
} as;

/* ---- diagnostics (asm.c) ------------------------------------------------------------ */

void asm_err(as *a, const line *l, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void asm_err_file(as *a, const char *file, int lineno, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Assemble lines [from, to) (the body of a .for runs again and again). */
void asm_run(as *a, int from, int to);

/* ---- arguments, names, expressions (asm_expr.c) -------------------------------------- */

bool asm_is_ident_start(int c);
bool asm_is_ident(int c);
/* Text quoted for a message: at most max_chars characters (then "..."),
** whole characters only, within n bytes of buf. Valid UTF-8 prints as it is;
** a byte that is not part of a printable character (control characters,
** invalid UTF-8, bidirectional controls) prints as \xNN, and a backslash as
** \\, so that every name reads back unambiguously and no byte reaches the
** terminal raw. Returns buf. */
const char *asm_quote_text(const char *s, size_t len, size_t max_chars, char *buf, size_t n);
#define ASM_QUOTE_BYTES 200 /* a buffer for asm_quote */
/* An argument quoted for a message (at most 40 characters). */
const char *asm_quote(const arg *x, char *buf, size_t n);
/* Bytes of the character at s: its UTF-8 sequence, or 1 for a byte that
** starts none; 0 when len is 0. */
size_t asm_char_len(const char *s, size_t len);
/* Bytes of the word at s as a message shows it: identifier characters and
** any bytes from 0x80 on (so that a name with a non-ASCII letter is reported
** whole, not cut before it). */
size_t asm_word_len(const char *s, size_t len);
/* The character at s for a message: 'c' quoted as asm_quote_text shows it,
** or "byte 0xNN" for a control character or a byte that starts no UTF-8
** sequence. Returns buf. */
const char *asm_char_desc(const char *s, size_t len, char *buf, size_t n);
/* The argument is the word (case-insensitive). */
bool asm_arg_is(const arg *x, const char *word);
/* Copy into a NUL-terminated buffer; false if too long. */
bool asm_arg_str(const arg *x, char *buf, size_t n);
/* A word operand (a format, an MX type, a preset) into buf: false when it is
** too long or holds a byte that no such name has (anything but printable
** ASCII), so that the caller quotes it with asm_quote rather than raw. */
bool asm_arg_word(const arg *x, char *buf, size_t n);
void asm_trim(arg *x);
/* Split s (column col) at top-level commas into out; the count, or -1 after an
** error (unbalanced brackets, too many). */
int asm_split_args(as *a, const line *l, const char *s, size_t len, int col, arg *out, int max);

/* Empty the table of names (symbols and buffers). */
void asm_names_reset(as *a);
/* Symbols and buffers by name: the symbol or NULL; the buffer index or -1. */
sym *asm_find_sym(as *a, const char *s, size_t len);
int asm_find_buffer(as *a, const char *s, size_t len);
/* Register a new symbol (.equ, .for) or the last buffer added to the program. */
sym *asm_add_sym(as *a, const char *name, int64_t value, bool loop);
void asm_drop_sym(as *a); /* the most recent one (a .for variable going out of scope) */
bool asm_add_buffer_name(as *a, int index);

/* Evaluate an argument as an integer expression; false after an error. */
bool asm_eval(as *a, const line *l, const arg *x, int64_t *out);
bool asm_eval_range(as *a, const line *l, const arg *x, int64_t lo, int64_t hi, const char *what, int64_t *out);

/* ---- operands (asm_operand.c) --------------------------------------------------------- */

/* Parse operand i of info from x into *v; false after an error. */
bool asm_parse_operand(as *a, const line *l, const isa_info *info, int i, const arg *x, uint64_t *v);

/* ---- directives (asm_dir.c) and data (asm_data.c) -------------------------------------- */

/* The directive at line i (s: its text from the '.', col its column); returns
** the last line it consumed. */
int asm_directive(as *a, int i, int to, const char *s, size_t len, int col);

/* A fresh name for .buffer, .equ or .for: well-formed and not taken. */
bool asm_new_name(as *a, const line *l, const arg *x, char *name);

/* Index of the line holding the directive `close` that ends a block opened at
** line i (nesting on `open`, "" for none), or -1. */
int asm_find_close(as *a, int i, int to, const char *open, const char *close);
/* The closing line j (found by asm_find_close) holds nothing after `close`
** but blanks and a comment; else an error at what follows (reported once per
** line) and false. */
bool asm_close_is_bare(as *a, int j, const char *close);

/* The directives, for dispatch and for the reference page. */
struct dir_ctx;
typedef struct asm_directive_info {
    const char *name, *args, *doc;
    int (*handler)(struct dir_ctx *c); /* returns the last line it consumed */
} asm_directive_info;
extern const asm_directive_info asm_directives[];
extern const int asm_ndirectives;

/* .buffer NAME, FORMAT, ROWS, COLS */
void asm_dir_buffer(as *a, const line *l, int col, arg *args, int n);
/* .data / .expect NAME, SOURCE [, RULE]; returns the last line consumed. */
int asm_dir_contents(as *a, int i, int col, bool expect, arg *args, int n);

#endif
