"""The Regression tab's Stop reaches only its own browser session's run: the server keys each run's stop
flag by the session the request came from, so one visitor's Stop never ends another's run; a Stop with
nothing running changes nothing, and a finished run leaves no flag behind."""

from citeqa.app.regression_tab import Runs


def test_a_stop_ends_only_its_own_sessions_run():
    runs = Runs()
    mine, theirs = runs.start("session-a"), runs.start("session-b")
    assert runs.stop("session-c") == (False, None)  # nothing running there
    assert runs.stop("session-a") == (True, None)  # running, not at its first step yet
    assert mine.flag.is_set() and not theirs.flag.is_set()
    theirs.state = "where it stands"
    runs.finish("session-a", mine)
    assert runs.stop("session-b") == (True, "where it stands") and theirs.flag.is_set()
    runs.finish("session-b", theirs)
    assert runs.stop("session-b") == (False, None)  # nothing left behind


def test_a_newer_run_of_the_session_outlives_the_older_ones_end():
    runs = Runs()
    older = runs.start("s")
    newer = runs.start("s")  # Run pressed again
    runs.finish("s", older)  # the older run's end does not drop the newer one's flag
    assert runs.stop("s") == (True, None) and newer.flag.is_set() and not older.flag.is_set()
