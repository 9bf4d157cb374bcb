"""Command-line inputs that are wrong or unlucky get a line that says what was expected, never a traceback or
"internal error" (issue 10's rule, for the arguments and the machine rather than the parameter files)."""

import errno

import pytest

from conftest import PARAMS, params_copy, run_cli

LUOHU = PARAMS / "luohu-fsa" / "2022.yaml"


@pytest.mark.parametrize("target, says", [
    (str(LUOHU), "expected a file name ending in .xlsx (an Excel workbook), got"),
    ("", "expected a file name ending in .xlsx, got an empty one"),
    ("sheet.csv", "expected a file name ending in .xlsx"),
])
def test_score_writes_its_sheet_only_to_an_xlsx_name(tmp_path, target, says):
    luohu = params_copy(tmp_path, "luohu-fsa") / "luohu-fsa" / "2022.yaml"  # a copy: a failure would overwrite it
    target = str(luohu) if target == str(LUOHU) else target
    before = luohu.read_bytes()
    r = run_cli("score", "--xlsx", target, luohu, cwd=tmp_path)
    assert r.returncode == 2 and says in r.stderr
    assert luohu.read_bytes() == before  # the parameter file given as the sheet is not overwritten
    r = run_cli("score", "--xlsx", tmp_path / "Sheet.XLSX", luohu)
    assert r.returncode == 0 and (tmp_path / "Sheet.XLSX").read_bytes()[:2] == b"PK"


@pytest.mark.parametrize("args, says", [
    (["targets", LUOHU, "--draws", "10000001"], "expected at most 10000000 draws, got 10000001"),
    (["run", "luohu-fsa", "2022", "--timeout", "-5"], "expected seconds, 0 for no limit, got -5"),
])
def test_numbers_out_of_range_are_usage_errors(args, says):
    r = run_cli(*args)
    assert r.returncode == 2 and says in r.stderr


def test_a_full_disk_is_said_as_such_where_the_error_names_no_file(monkeypatch):
    from perfkit import cli

    def full(args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cli, "cmd_validate", full)
    r = run_cli("validate", LUOHU)
    assert r.returncode == 2 and r.stderr == "perfkit: a file could not be read or written: No space left on device\n"


def test_running_out_of_memory_says_to_ask_for_less(monkeypatch):
    from perfkit import cli

    def greedy(args):
        raise MemoryError("Unable to allocate 22.4 GiB for an array with shape (1000000000, 3)")

    monkeypatch.setattr(cli, "cmd_validate", greedy)
    r = run_cli("validate", LUOHU)
    assert r.returncode == 2 and r.stderr.startswith("perfkit: out of memory (Unable to allocate 22.4 GiB")
    assert "fewer --draws" in r.stderr and "internal error" not in r.stderr


@pytest.mark.parametrize("value, shown", [("0", False), ("false", False), ("", False), ("1", True)])
def test_perfkit_debug_set_to_0_keeps_tracebacks_off(monkeypatch, value, shown):
    from perfkit import cli

    def bug(args):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(cli, "cmd_validate", bug)
    monkeypatch.setenv("PERFKIT_DEBUG", value)
    if shown:
        with pytest.raises(ZeroDivisionError):
            run_cli("validate", LUOHU)
    else:
        r = run_cli("validate", LUOHU)
        assert r.returncode == 3 and "internal error: ZeroDivisionError: a bug" in r.stderr


def test_an_unknown_field_is_never_told_it_may_mean_itself():
    # a framework given where a department-year is expected: its id, name, total… are fields elsewhere
    r = run_cli("score", PARAMS / "frameworks" / "luohu-department-2022.yaml")
    assert r.returncode == 1 and "id: unknown field (check the spelling" in r.stderr
    assert "did you mean 'id'" not in r.stderr and "did you mean 'tree'" not in r.stderr


def test_frameworks_is_no_department_and_an_import_takes_only_a_year_of_four_digits(tmp_path):
    # 'frameworks' is the parameters' folder of frameworks: a department-year written there would never be found
    params = params_copy(tmp_path)  # a copy: were the check to fail, the file would be written into it
    r = run_cli("new", "frameworks", "2024", "--params", params, "--framework", "mof-project-self-2020")
    assert r.returncode in (1, 2) and "department 'frameworks' is not a department id" in r.stderr
    assert not (params / "frameworks" / "2024.yaml").exists()
    from test_import_xlsx import workbook

    xlsx = workbook(tmp_path / "w2024.xlsx")
    for args, says in ((["--department", "frameworks"], "department 'frameworks' is not a department id"),
                       (["--year", "5"], "year 5 is not a year: expected four digits")):
        r = run_cli("import-xlsx", xlsx, "--out", tmp_path / "p", *args)
        assert r.returncode == 1 and says in r.stderr
        assert not (tmp_path / "p").exists()  # checked before anything is written
