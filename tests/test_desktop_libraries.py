"""When the window cannot open (no display, Qt's system libraries missing), `annotator`
says why and what to install, with no traceback or core dump; the command line is
unaffected."""

from __future__ import annotations

import os
import subprocess
import sys

from annotator import desktop_libraries as dl


def loads_all_but(*absent: str):
    return lambda soname: soname not in absent


X11 = {"DISPLAY": ":0"}


def test_missing_xcb_libraries_are_named_with_the_packages_to_install() -> None:
    said = dl.why_no_window("This application failed to start", X11,
                            loads_all_but("libxcb-icccm.so.4", "libxcb-keysyms.so.1"),
                            "linux")
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in said
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1\n" in said
    assert "annotator --help" in said


def test_every_library_maps_to_one_package_line() -> None:
    said = dl.why_no_window("", X11, lambda soname: False, "linux")
    line = next(part for part in said.split("\n") if "apt-get install" in part)
    packages = line.split("install ", 1)[1].split()
    assert len(packages) == len(set(packages))
    assert set(packages) == set(dl.GUI_LIBRARIES.values()) | set(dl.X11_LIBRARIES.values())


def test_offscreen_and_wayland_do_not_need_the_x11_libraries() -> None:
    nothing_of_x11 = loads_all_but(*dl.X11_LIBRARIES)
    for environ in ({"QT_QPA_PLATFORM": "offscreen"}, {"WAYLAND_DISPLAY": "wayland-0"},
                    {"XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"},
                    {"QT_QPA_PLATFORM": "wayland;xcb", "WAYLAND_DISPLAY": "w"}):
        assert dl.missing_packages(environ, nothing_of_x11, "linux") == {}, environ
    assert dl.missing_packages({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "w"},
                               nothing_of_x11, "linux")
    # Qt's GUI module needs its own libraries on every platform
    assert dl.missing_packages({"QT_QPA_PLATFORM": "offscreen"},
                               loads_all_but("libEGL.so.1"), "linux") == {
        "libEGL.so.1": "libegl1"}


def test_other_systems_are_not_asked_about_linux_libraries() -> None:
    assert dl.missing_packages({}, lambda soname: False, "darwin") == {}
    assert not dl.no_display({}, "win32")


def test_no_display_and_an_unreachable_one_are_told_apart() -> None:
    every = loads_all_but()
    assert "no display to show it on" in dl.why_no_window("", {}, every, "linux")
    assert "no display" in dl.why_no_window("", {"QT_QPA_PLATFORM": "xcb",
                                                 "WAYLAND_DISPLAY": "w"}, every, "linux")
    said = dl.why_no_window("could not connect to display :55 Could not load the Qt "
                            "platform plugin", {"DISPLAY": ":55"}, every, "linux")
    assert "the display :55 cannot be reached" in said
    said = dl.why_no_window("something else\nentirely", X11, every, "linux")
    assert "(“something else entirely”)" in said


def test_a_gui_module_that_cannot_load_is_said_not_a_traceback(monkeypatch, capsys) -> None:
    from annotator import cli

    monkeypatch.setitem(sys.modules, "annotator.gui.app", None)  # its import fails
    monkeypatch.setattr(dl, "_loads", loads_all_but("libEGL.so.1"))
    monkeypatch.setattr(sys, "platform", "linux")
    assert cli.main([]) == cli.EXIT_ERROR
    said = capsys.readouterr().err
    assert said.startswith("annotator: the window cannot open: this system lacks")
    assert "sudo apt-get install libegl1\n" in said


def test_the_real_loader_finds_what_the_test_suite_runs_qt_with() -> None:
    # these tests draw offscreen: every library of Qt's GUI module loads here
    assert dl.missing_packages({"QT_QPA_PLATFORM": "offscreen"}) == {}


def test_annotator_without_a_display_says_why_and_ends_cleanly(tmp_path) -> None:
    environ = {key: value for key, value in os.environ.items()
               if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM",
                              "XDG_SESSION_TYPE")}
    environ["HOME"] = str(tmp_path)
    environ["XDG_DATA_HOME"] = str(tmp_path / "data")
    environ["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    done = subprocess.run([sys.executable, "-m", "annotator"], env=environ,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("annotator: the window cannot open"), done.stderr
    assert "Traceback" not in done.stderr
    missing = dl.missing_packages(environ)
    if missing:  # a bare machine: the libraries are named first
        assert "sudo apt-get install " + " ".join(dict.fromkeys(missing.values())) \
            in done.stderr
    else:
        assert "no display to show it on" in done.stderr
    assert not list(tmp_path.rglob("*.annot")), "nothing is set up for a window not shown"
