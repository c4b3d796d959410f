# Copyright: eformidling.integrasjonspunkt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The time parsers' words and units pinned (written for mutation round 3's survivors of timesync.py)."""

from ansible_collections.eformidling.integrasjonspunkt.plugins.module_utils import timesync


def test_a_lost_correction_without_a_source_sample_uses_last_offset_and_says_why():
    offset, basis, note = timesync.chrony_measured_offset({"offset_seconds": 0.000001, "last_offset_seconds": -3.0}, [])
    assert (offset, basis) == (-3.0, "last offset")
    assert note == (
        "Last offset -3.000000 s is larger than System time +0.000001 s and no selected source sample could be "
        "read: the last correction was not applied (a makestep chronyd was not allowed to make)"
    )


def test_kernel_view_units_flags_and_reasons():
    nano_unsync = timesync.STA_NANO | timesync.STA_UNSYNC
    view = timesync.kernel_view(
        {"state": 5, "status": nano_unsync, "offset": 500000000, "maxerror": 16000000, "esterror": 250, "freq": 65536}
    )
    assert view["available"] is True
    assert view["offset_seconds"] == -0.5  # local minus true: the kernel's offset is true minus local
    assert (view["maxerror_seconds"], view["esterror_seconds"], view["frequency_ppm"]) == (16.0, 0.00025, 1.0)
    assert view["state"] == "TIME_ERROR"
    assert "kernel status has STA_UNSYNC set" in view["unsync_reasons"]
    assert "kernel clock state is TIME_ERROR" in view["unsync_reasons"]
    micro = timesync.kernel_view({"state": 0, "status": 0, "offset": 1500, "maxerror": 100, "esterror": 0})
    assert micro["offset_seconds"] == -0.0015
    assert micro["available"] is True


def test_timesyncd_with_ntp_off_says_so():
    show = (0, "NTP=no\nCanNTP=yes\nNTPSynchronized=no\nTimezone=Etc/UTC\nLocalRTC=no\n", "")
    view = timesync.timesyncd_view(show, (0, "", ""))
    assert "NTP is disabled (timedatectl NTP=no)" in view["unsync_reasons"]
