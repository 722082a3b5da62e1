"""Can the window open here? Asked before Qt is loaded.

On a bare Linux machine Qt cannot draw: its GUI module needs OpenGL, fontconfig and
friends, and its X11 platform plugin a dozen xcb libraries. Qt then aborts the process
with a hint about one of them ("xcb-cursor0 ... is needed") and nothing of what to do.
The scholar should read which packages are missing and the one command that installs
them. This module imports no Qt (it runs when Qt cannot), and only after Qt failed:
a window that opens pays nothing for it.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
from collections.abc import Callable, Mapping

#: what Qt's GUI module loads on every platform, offscreen included: soname -> Debian package
GUI_LIBRARIES = {
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}

#: what Qt's X11 platform plugin (xcb) needs besides (the NEEDED entries of libqxcb.so and
#: libQt6XcbQpa.so.6 in PySide6 6.11)
X11_LIBRARIES = {
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)  # the dynamic loader's own search, as Qt's will be
    except OSError:
        return False
    return True


def _asked(environ: Mapping[str, str]) -> str:
    """The platform QT_QPA_PLATFORM asks Qt for first ("" when Qt chooses)."""
    return environ.get("QT_QPA_PLATFORM", "").strip().lower().split(";")[0]


def uses_x11(environ: Mapping[str, str]) -> bool:
    """Qt will draw through X11: asked for it, or left to choose outside a Wayland
    session (in one, Qt picks its Wayland plugin and X11 is not needed)."""
    asked = _asked(environ)
    if asked:
        return asked.startswith("xcb")
    wayland = (environ.get("WAYLAND_DISPLAY")
               or environ.get("XDG_SESSION_TYPE", "").lower() == "wayland")
    return not wayland


def missing_packages(environ: Mapping[str, str] | None = None,
                     loads: Callable[[str], bool] | None = None,
                     platform: str | None = None) -> dict[str, str]:
    """The libraries the window needs that this system cannot load, soname -> the
    Debian/Ubuntu package that brings it; empty elsewhere than Linux."""
    if not (platform or sys.platform).startswith("linux"):
        return {}
    environ = os.environ if environ is None else environ
    loads = loads or _loads
    needed = dict(GUI_LIBRARIES)
    if uses_x11(environ):
        needed.update(X11_LIBRARIES)
    return {soname: package for soname, package in needed.items() if not loads(soname)}


def no_display(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """On Linux, no display for the platform Qt will use (a login over ssh, a server):
    Qt would abort."""
    environ = os.environ if environ is None else environ
    if not (platform or sys.platform).startswith("linux"):
        return False
    asked = _asked(environ)
    x11, wayland = bool(environ.get("DISPLAY")), bool(environ.get("WAYLAND_DISPLAY"))
    if asked.startswith("xcb"):
        return not x11
    if asked.startswith("wayland"):
        return not wayland
    return not asked and not (x11 or wayland)


def why_no_window(qt_said: str = "", environ: Mapping[str, str] | None = None,
                  loads: Callable[[str], bool] | None = None,
                  platform: str | None = None) -> str:
    """What to tell the scholar when Qt could not start (``qt_said``: its own words, or
    the import error of its GUI module), after the fact: nothing of this runs while
    the window opens as it should."""
    missing = missing_packages(environ, loads, platform)
    if missing:
        packages = " ".join(dict.fromkeys(missing.values()))
        return ("the window cannot open: this system lacks libraries Qt needs to draw it ("
                + ", ".join(missing) + "). Install them with\n\n"
                f"    sudo apt-get install {packages}\n\n"
                "and start annotator again (on another distribution, install the packages "
                "that provide these files). The command line works without them: "
                "annotator --help.")
    if no_display(environ, platform):
        return ("the window cannot open: there is no display to show it on (neither DISPLAY "
                "nor WAYLAND_DISPLAY is set). Start annotator from a desktop session, or use "
                "the command line: annotator --help.")
    said = " ".join(qt_said.split())
    unreachable = re.search(r"could not connect to display ?(\S*)", said)
    if unreachable:
        display = " ".join(("the display", unreachable.group(1))).strip()
        return (f"the window cannot open: {display} cannot be reached (no X server answers "
                "there). Start annotator from a desktop session, or use the command line: "
                "annotator --help.")
    return ("the window cannot open" + (f" (“{said}”)" if said else "") + ". The command "
            "line works without it: annotator --help.")
