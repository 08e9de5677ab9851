package jp.kagura.check;

/**
 * What webauthn4j (with Keycloak's handling around it) said about one ceremony: valid, or the
 * refusal's exception class and message. {@code name()} is what explained-differences.txt names.
 */
record Outcome(boolean valid, String refusal, String message) {

    static final String VALID = "valid";

    static Outcome accepted() {
        return new Outcome(true, VALID, "");
    }

    /** A refusal named after the exception that carried it (e.g. BadOriginException). */
    static Outcome refused(Throwable why) {
        String message = why.getMessage() == null ? "" : why.getMessage().lines().findFirst().orElse("");
        return new Outcome(false, why.getClass().getSimpleName(), message);
    }

    /** A refusal that Keycloak's own code makes before webauthn4j runs (no exception class). */
    static Outcome refusedBy(String who, String message) {
        return new Outcome(false, who, message);
    }

    String name() {
        return refusal;
    }

    @Override
    public String toString() {
        return valid ? VALID : refusal + ": " + message;
    }
}
