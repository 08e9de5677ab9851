/*
 * --help for each command of a program from its one usage text. The text is synopsis lines
 * ("usage: PROG WORDS..." or "       PROG WORDS..."), each followed by its indented
 * continuation lines, then notes (unindented lines) that hold for every command; a command
 * added to the text has its --help.
 */
#ifndef KAGURA_AUTHENTICATOR_CLI_USAGE_SECTION_H
#define KAGURA_AUTHENTICATOR_CLI_USAGE_SECTION_H

#include <stdbool.h>
#include <stdio.h>

/* True when argv[1..argc) holds -h or --help before any "--". */
bool au_usage_asked(int argc, char *const *argv);

/*
 * Prints the synopses (with their continuations, then the notes) of the command argv names:
 * the most leading words of argv[1..] a synopsis starts with, so "device new FILE --help"
 * is "device new". The whole text when argv[1] is an option. False, printing nothing, when
 * no synopsis starts with argv[1].
 */
bool au_usage_print_for(FILE *out, const char *text, const char *program, int argc,
                        char *const *argv);

#endif
