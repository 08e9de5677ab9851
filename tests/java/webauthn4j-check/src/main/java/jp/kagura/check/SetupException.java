package jp.kagura.check;

/** The check cannot run (bad arguments, unreadable set or file): exit status 2, not a verdict. */
final class SetupException extends Exception {
    SetupException(String message) {
        super(message);
    }
}
