/* The number of elements of an array (not a pointer): the compiler counts, no one by hand. */
#ifndef KAGURA_WEBAUTHN_ARRAYLEN_H
#define KAGURA_WEBAUTHN_ARRAYLEN_H

#define KAGURA_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
