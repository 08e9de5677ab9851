/* Error codes of the WebAuthn protocol core: one per way a check can fail. */
#ifndef KAGURA_WEBAUTHN_ERROR_H
#define KAGURA_WEBAUTHN_ERROR_H

/*
 * One table, so the enum, the symbolic name and the message never drift apart.
 * The message says what was wrong with the input, for a QA engineer reading a report.
 */
#define WA_ERROR_TABLE(X)                                                                          \
	X(WA_OK, "success")                                                                        \
	X(WA_ERR_NOMEM, "out of memory")                                                           \
	X(WA_ERR_INTERNAL, "internal error (OpenSSL or libcbor refused a well-formed request)")    \
	X(WA_ERR_ARG, "invalid argument passed by the caller")                                     \
	X(WA_ERR_TOO_LARGE, "a built text or byte string would be over its limit")                 \
	/* base64url */                                                                            \
	X(WA_ERR_B64_CHAR, "base64url: character outside the base64url alphabet")                  \
	X(WA_ERR_B64_PADDING, "base64url: padding '=' is not allowed")                             \
	X(WA_ERR_B64_LENGTH, "base64url: impossible length")                                       \
	X(WA_ERR_B64_TRAILING_BITS, "base64url: non-zero trailing bits (non-canonical encoding)")  \
	/* response JSON (RegistrationResponseJSON / AuthenticationResponseJSON) */                \
	X(WA_ERR_JSON_SYNTAX, "response JSON: not valid JSON")                                     \
	X(WA_ERR_JSON_NOT_OBJECT, "response JSON: not a JSON object")                              \
	X(WA_ERR_RESP_ID_MISSING, "response JSON: 'id' missing")                                   \
	X(WA_ERR_RESP_ID_TYPE, "response JSON: 'id' is not a base64url string")                    \
	X(WA_ERR_RESP_RAWID_MISSING, "response JSON: 'rawId' missing")                             \
	X(WA_ERR_RESP_RAWID_TYPE, "response JSON: 'rawId' is not a base64url string")              \
	X(WA_ERR_RESP_ID_MISMATCH, "response JSON: 'id' and 'rawId' differ")                       \
	X(WA_ERR_RESP_TYPE_MISSING, "response JSON: 'type' missing")                               \
	X(WA_ERR_RESP_TYPE, "response JSON: 'type' is not \"public-key\"")                         \
	X(WA_ERR_RESP_RESPONSE_MISSING, "response JSON: 'response' missing or not an object")      \
	X(WA_ERR_RESP_CDATA_MISSING, "response JSON: 'response.clientDataJSON' missing or empty")  \
	X(WA_ERR_RESP_CDATA_TYPE, "response JSON: 'response.clientDataJSON' is not base64url")     \
	X(WA_ERR_RESP_ATTOBJ_MISSING,                                                              \
	  "response JSON: 'response.attestationObject' missing or empty")                          \
	X(WA_ERR_RESP_ATTOBJ_TYPE, "response JSON: 'response.attestationObject' is not base64url") \
	X(WA_ERR_RESP_AUTHDATA_MISSING,                                                            \
	  "response JSON: 'response.authenticatorData' missing or empty")                          \
	X(WA_ERR_RESP_AUTHDATA_TYPE,                                                               \
	  "response JSON: 'response.authenticatorData' is not base64url")                          \
	X(WA_ERR_RESP_SIG_MISSING, "response JSON: 'response.signature' missing or empty")         \
	X(WA_ERR_RESP_SIG_TYPE, "response JSON: 'response.signature' is not base64url")            \
	X(WA_ERR_RESP_USERHANDLE_TYPE,                                                             \
	  "response JSON: 'response.userHandle' is not a base64url string")                        \
	X(WA_ERR_RESP_TRANSPORTS_TYPE,                                                             \
	  "response JSON: 'response.transports' is not an array of strings")                       \
	/* collected client data (W3C §7.1 steps 5-10, §7.2 steps 9-14) */                       \
	X(WA_ERR_CDATA_UTF8, "clientDataJSON is not valid UTF-8")                                  \
	X(WA_ERR_CDATA_JSON, "clientDataJSON is not a JSON object")                                \
	X(WA_ERR_CDATA_DUPLICATE, "clientDataJSON has a duplicate member")                         \
	X(WA_ERR_CDATA_TYPE_MISSING, "clientDataJSON 'type' missing or not a string")              \
	X(WA_ERR_CDATA_TYPE, "clientDataJSON 'type' is not the expected ceremony type")            \
	X(WA_ERR_CDATA_CHALLENGE_MISSING,                                                          \
	  "clientDataJSON 'challenge' missing, empty or not a string")                             \
	X(WA_ERR_CDATA_CHALLENGE_ENCODING, "clientDataJSON 'challenge' is not base64url")          \
	X(WA_ERR_CDATA_CHALLENGE,                                                                  \
	  "clientDataJSON 'challenge' does not match the expected challenge")                      \
	X(WA_ERR_CDATA_ORIGIN_MISSING, "clientDataJSON 'origin' missing, empty or not a string")   \
	X(WA_ERR_CDATA_ORIGIN, "clientDataJSON 'origin' is not an expected origin")                \
	X(WA_ERR_CDATA_CROSS_ORIGIN_TYPE, "clientDataJSON 'crossOrigin' is not a boolean")         \
	X(WA_ERR_CDATA_CROSS_ORIGIN,                                                               \
	  "clientDataJSON 'crossOrigin' is true but cross-origin use is not expected")             \
	X(WA_ERR_CDATA_TOP_ORIGIN_TYPE, "clientDataJSON 'topOrigin' is not a string")              \
	X(WA_ERR_CDATA_TOP_ORIGIN,                                                                 \
	  "clientDataJSON 'topOrigin' is not an expected top-level origin")                        \
	X(WA_ERR_CDATA_TOKEN_BINDING, "clientDataJSON 'tokenBinding' is malformed")                \
	/* CBOR and attestationObject (§7.1 step 12) */                                           \
	X(WA_ERR_CBOR_MALFORMED,                                                                   \
	  "CBOR: malformed item (or nested deeper than the decoder allows)")                       \
	X(WA_ERR_CBOR_TRUNCATED,                                                                   \
	  "CBOR: item truncated (it declares more than the bytes that follow)")                    \
	X(WA_ERR_CBOR_TRAILING, "CBOR: bytes left over after the item")                            \
	X(WA_ERR_ATTOBJ_NOT_MAP, "attestationObject is not a CBOR map")                            \
	X(WA_ERR_ATTOBJ_FMT_MISSING, "attestationObject 'fmt' missing")                            \
	X(WA_ERR_ATTOBJ_FMT_TYPE, "attestationObject 'fmt' is not a text string")                  \
	X(WA_ERR_ATTOBJ_ATTSTMT_MISSING, "attestationObject 'attStmt' missing")                    \
	X(WA_ERR_ATTOBJ_ATTSTMT_TYPE, "attestationObject 'attStmt' is not a map")                  \
	X(WA_ERR_ATTOBJ_AUTHDATA_MISSING, "attestationObject 'authData' missing")                  \
	X(WA_ERR_ATTOBJ_AUTHDATA_TYPE, "attestationObject 'authData' is not a byte string")        \
	X(WA_ERR_ATTOBJ_DUPLICATE, "attestationObject has a duplicate key")                        \
	/* authenticatorData */                                                                    \
	X(WA_ERR_AUTHDATA_SHORT, "authenticatorData shorter than 37 bytes")                        \
	X(WA_ERR_AUTHDATA_AT_MISSING,                                                              \
	  "authenticatorData AT flag clear but attested credential data expected")                 \
	X(WA_ERR_AUTHDATA_AT_UNEXPECTED, "authenticatorData AT flag set in an assertion")          \
	X(WA_ERR_AUTHDATA_ATTESTED_SHORT, "authenticatorData attested credential data truncated")  \
	X(WA_ERR_AUTHDATA_CRED_ID_LENGTH,                                                          \
	  "authenticatorData credential id longer than 1023 bytes")                                \
	X(WA_ERR_AUTHDATA_ED_MISSING, "authenticatorData ED flag set but no extensions follow")    \
	X(WA_ERR_AUTHDATA_EXTENSIONS,                                                              \
	  "authenticatorData extensions are not a CBOR map (without duplicate keys)")              \
	X(WA_ERR_AUTHDATA_TRAILING,                                                                \
	  "authenticatorData has bytes left over (flags and length disagree)")                     \
	/* COSE keys */                                                                            \
	X(WA_ERR_COSE_MALFORMED, "COSE key is not a CBOR map with integer labels")                 \
	X(WA_ERR_COSE_DUPLICATE, "COSE key has a duplicate label")                                 \
	X(WA_ERR_COSE_NOT_CANONICAL,                                                               \
	  "COSE key is not CTAP2 canonical CBOR (label order, integer or length encoding)")        \
	X(WA_ERR_COSE_ALG_MISSING, "COSE key has no numeric 'alg' (3)")                            \
	X(WA_ERR_COSE_ALG_UNSUPPORTED, "COSE key algorithm is not supported")                      \
	X(WA_ERR_COSE_KTY, "COSE key type does not fit its algorithm")                             \
	X(WA_ERR_COSE_CURVE, "COSE key curve does not fit its algorithm")                          \
	X(WA_ERR_COSE_COORD, "COSE key coordinate missing or of the wrong length")                 \
	X(WA_ERR_COSE_POINT, "COSE key point is not on the curve")                                 \
	X(WA_ERR_COSE_RSA, "COSE RSA key modulus or exponent missing or invalid")                  \
	X(WA_ERR_SIG_ENCODING, "signature is not a valid encoding for its algorithm")              \
	X(WA_ERR_SIG_INVALID, "signature does not verify")                                         \
	/* ceremony checks (§7.1 / §7.2) */                                                      \
	X(WA_ERR_RP_ID_HASH, "authenticatorData rpIdHash is not SHA-256 of the RP ID")             \
	X(WA_ERR_UP_REQUIRED, "user presence (UP) flag is clear")                                  \
	X(WA_ERR_UV_REQUIRED,                                                                      \
	  "user verification (UV) flag is clear but user verification is required")                \
	X(WA_ERR_BS_WITHOUT_BE, "backup state (BS) set while backup eligibility (BE) is clear")    \
	X(WA_ERR_BE_CHANGED, "backup eligibility (BE) differs from the stored credential")         \
	X(WA_ERR_ALG_NOT_ALLOWED,                                                                  \
	  "credential algorithm is not among the requested pubKeyCredParams")                      \
	X(WA_ERR_CRED_ID_REGISTERED, "credential id is already registered")                        \
	X(WA_ERR_CRED_ID_MISMATCH, "credential id in the response differs from the attested one")  \
	X(WA_ERR_CRED_NOT_ALLOWED, "credential id is not in allowCredentials")                     \
	X(WA_ERR_CRED_UNKNOWN, "credential id is not a registered credential")                     \
	X(WA_ERR_USER_HANDLE, "userHandle does not belong to the credential's owner")              \
	X(WA_ERR_SIGN_COUNT, "signature counter did not increase (possible cloned authenticator)") \
	/* attestation statements (§8) */                                                         \
	X(WA_ERR_FMT_UNSUPPORTED, "attestation format is not supported")                           \
	X(WA_ERR_ATT_NONE_NOT_EMPTY, "fmt 'none' with a non-empty attStmt")                        \
	X(WA_ERR_ATT_ALG_MISSING, "attStmt 'alg' missing or not an integer")                       \
	X(WA_ERR_ATT_ALG_MISMATCH, "attStmt 'alg' does not fit the key that must have signed")     \
	X(WA_ERR_ATT_SIG_MISSING, "attStmt 'sig' missing, empty or not a byte string")             \
	X(WA_ERR_ATT_SIG, "attestation signature does not verify")                                 \
	X(WA_ERR_ATT_X5C_TYPE, "attStmt 'x5c' is not a non-empty array of byte strings")           \
	X(WA_ERR_ATT_X5C_COUNT, "attStmt 'x5c' has the wrong number of certificates")              \
	X(WA_ERR_ATT_CERT_PARSE, "attestation certificate is not valid DER X.509")                 \
	X(WA_ERR_ATT_CERT_VERSION, "attestation certificate is not X.509 version 3")               \
	X(WA_ERR_ATT_CERT_SUBJECT,                                                                 \
	  "attestation certificate subject does not meet the format's rules")                      \
	X(WA_ERR_ATT_CERT_CA, "attestation certificate basicConstraints CA is not false")          \
	X(WA_ERR_ATT_CERT_KEY, "attestation certificate key is not the required type")             \
	X(WA_ERR_ATT_CERT_EXT, "attestation certificate extension missing or malformed")           \
	X(WA_ERR_ATT_AAGUID_MISMATCH,                                                              \
	  "attestation certificate AAGUID extension differs from authenticatorData")               \
	X(WA_ERR_ATT_AAGUID_NONZERO, "AAGUID must be zero for this format")                        \
	X(WA_ERR_ATT_PUBKEY_MISMATCH,                                                              \
	  "attested public key differs from the credential public key")                            \
	X(WA_ERR_ATT_NONCE, "attestation nonce or challenge does not match the signed data")       \
	X(WA_ERR_ATT_TPM_VER, "tpm: 'ver' is not \"2.0\"")                                         \
	X(WA_ERR_ATT_TPM_CERTINFO, "tpm: certInfo malformed or fails its checks")                  \
	X(WA_ERR_ATT_TPM_PUBAREA, "tpm: pubArea malformed or does not match the credential key")   \
	X(WA_ERR_ATT_ANDROID_KEY_DESC, "android-key: key description extension fails its checks")  \
	X(WA_ERR_ATT_CHAIN_ROOT_INCLUDED, "attestation x5c includes a self-signed root")           \
	X(WA_ERR_ATT_CHAIN, "attestation chain does not verify to a trust anchor")                 \
	X(WA_ERR_ATT_CERT_EXPIRED, "attestation certificate expired at the verification time")     \
	X(WA_ERR_ATT_CERT_NOT_YET_VALID,                                                           \
	  "attestation certificate not yet valid at the verification time")                        \
	X(WA_ERR_ATT_CERT_TIME, "attestation certificate validity time cannot be read")            \
	X(WA_ERR_ATT_STMT_DUPLICATE, "attStmt has a duplicate key")                                \
	X(WA_ERR_ATT_UNTRUSTED, "attestation is not trusted under the configured policy")          \
	/* credential record JSON */                                                               \
	X(WA_ERR_RECORD, "stored credential record is malformed")

typedef enum wa_err {
#define WA_ERROR_ENUM(name, msg) name,
	WA_ERROR_TABLE(WA_ERROR_ENUM)
#undef WA_ERROR_ENUM
	        WA_ERR__COUNT
} wa_err;

/* Human message for an error code; never NULL. */
const char *wa_strerr(wa_err err);

/* Symbolic name ("WA_ERR_SIG_INVALID"); never NULL. */
const char *wa_errname(wa_err err);

#endif
