"""The one exception type the command-line tools turn into a one-line message and exit code 2."""


class FacemoodError(Exception):
    """A problem the user can fix: bad input, a missing file or device, a model mismatch.

    The message is one line that names the file or device and says what to do next.
    """

    exit_code = 2
