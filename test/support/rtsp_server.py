#!/usr/bin/python3
"""A small real RTSP server for FerretWatch's integration tests and benchmarks.

    /usr/bin/python3 rtsp_server.py --port 8554 --mount /cam=file:/tmp/clip.mp4 --mount /test=test:640x360@15

SPEC kinds:
  file:<path.mp4>       an H.264 MP4, stream-copied (never re-encoded) and looped forever in real time
  test:<w>x<h>@<fps>    a generated live H.264 source (videotestsrc + x264enc ultrafast/zerolatency).
                        Let one client finish its setup before the next: two clients setting up a
                        fresh test: media at once abort GStreamer's RTSP server 1.22 about one time
                        in four (rtsp-media.c gst_rtsp_media_get_rates: assertion failed). file:
                        mounts did not (0 of 12 tries).

Prints "FEEDER <mount> <pid>" for each feeder process and "READY <port>" once clients can connect.
Exits cleanly (feeders stopped, exit code 0) on SIGTERM/SIGINT.

Why an ffmpeg feeder: looping an MP4 seamlessly inside GStreamer needs segment seeks plus timestamp
rewriting. `ffmpeg -re -stream_loop -1 -c copy` already does both, costs ~nothing, and behaves like a
camera: it streams whether or not anyone watches. It sends MPEG-TS over UDP to a socket this process
binds once and keeps for its whole life, so no other process (e.g. the RTSP server's own RTP port
allocation) can take that port between media instances.
"""
import argparse
import ctypes
import os
import re
import select
import signal
import socket
import sys

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import Gio, GLib, Gst, GstRtspServer  # noqa: E402

PR_SET_PDEATHSIG = 1
RCVBUF = 4 * 1024 * 1024  # a 1080p keyframe burst is a few hundred kB; the default 208 kB can overflow
H264_TAIL = 'h264parse name=parse config-interval=-1 ! rtph264pay name=pay0 pt=96 config-interval=1'


def log(msg):
    sys.stderr.write('rtsp_server: %s\n' % msg)
    sys.stderr.flush()


def die_with_parent(sig=signal.SIGTERM):
    """Ask the kernel to signal us when our parent dies, so no server outlives a crashed test run."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):
        pass


SETPRIV = next((p for p in ('/usr/bin/setpriv', '/bin/setpriv') if os.access(p, os.X_OK)), None)


def ffmpeg_path():
    return os.environ.get('FFMPEG_PATH') or 'ffmpeg'


class FileFeeder:
    """Runs the looping ffmpeg for one file: mount and owns the UDP socket it sends to."""

    def __init__(self, mount, path):
        self.mount = mount
        self.path = path
        self.proc_pid = None
        self.stopping = False
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, 33, RCVBUF)  # SO_RCVBUFFORCE: ignores rmem_max as root
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        self.sock.bind(('127.0.0.1', 0))
        self.port = self.sock.getsockname()[1]
        # GStreamer gets its own descriptor of the same socket; udpsrc must not close it.
        self.gsock = Gio.Socket.new_from_fd(os.dup(self.sock.fileno()))

    def start(self):
        argv = [
            ffmpeg_path(), '-hide_banner', '-nostdin', '-loglevel', 'error',
            '-re', '-stream_loop', '-1', '-i', self.path,
            '-map', '0:v:0', '-c', 'copy',
            '-f', 'mpegts', '-muxdelay', '0', '-muxpreload', '0', '-flush_packets', '1',
            'udp://127.0.0.1:%d?pkt_size=1316' % self.port,
        ]
        if SETPRIV:
            # Kernel-enforced: the feeder dies with us even if we are SIGKILLed (a "dead camera").
            argv = [SETPRIV, '--pdeathsig', 'KILL', '--'] + argv
        res = GLib.spawn_async(argv, flags=GLib.SpawnFlags.SEARCH_PATH | GLib.SpawnFlags.DO_NOT_REAP_CHILD)
        self.proc_pid = int(res[0])
        GLib.child_watch_add(GLib.PRIORITY_DEFAULT, self.proc_pid, self._on_exit)
        print('FEEDER %s %d' % (self.mount, self.proc_pid), flush=True)

    def _on_exit(self, pid, status):
        GLib.spawn_close_pid(pid)
        if self.proc_pid == pid:
            self.proc_pid = None
        if not self.stopping:
            # A feeder that dies is a camera hiccup, not a reason to stop serving: start it again.
            log('feeder for %s exited (status %d); restarting in 1 s' % (self.mount, status))
            GLib.timeout_add(1000, self._restart)

    def _restart(self):
        if not self.stopping and self.proc_pid is None:
            self.start()
        return False

    def wait_first_packet(self, timeout_s):
        """True once ffmpeg streams; False on timeout or as soon as it dies (bad file: fail fast)."""
        deadline = GLib.get_monotonic_time() + int(timeout_s * 1e6)
        while GLib.get_monotonic_time() < deadline:
            r, _, _ = select.select([self.sock], [], [], 0.1)
            if r:
                return True
            # WNOWAIT: peek without reaping, the GLib child watch still owns the pid.
            if self.proc_pid is None or os.waitid(os.P_PID, self.proc_pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
                return False
        return False

    def drain(self):
        """Drop datagrams queued while nobody watched, so a new media starts with live data."""
        while True:
            try:
                self.sock.recv(65536, socket.MSG_DONTWAIT)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return

    def stop(self):
        self.stopping = True
        if self.proc_pid is not None:
            try:
                os.kill(self.proc_pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


def drop_until_keyframe(pad, info):
    """Pad probe: a newly built media starts at a keyframe so the first client decodes at once."""
    buf = info.get_buffer()
    if buf is None or buf.has_flags(Gst.BufferFlags.DELTA_UNIT):
        return Gst.PadProbeReturn.DROP
    return Gst.PadProbeReturn.REMOVE


class FileFactory(GstRtspServer.RTSPMediaFactory):
    def __init__(self, feeder):
        super().__init__()
        self.feeder = feeder

    def do_create_element(self, url):
        self.feeder.drain()
        launch = (
            'udpsrc name=src buffer-size=%d do-timestamp=true caps="video/mpegts,systemstream=(boolean)true,packetsize=188" '
            '! queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 leaky=downstream '
            '! tsdemux ! %s' % (RCVBUF, H264_TAIL)
        )
        bin_ = Gst.parse_launch('( %s )' % launch)
        src = bin_.get_by_name('src')
        src.set_property('socket', self.feeder.gsock)
        src.set_property('close-socket', False)
        bin_.get_by_name('parse').get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, drop_until_keyframe)
        return bin_


def test_launch(width, height, fps):
    return (
        '( videotestsrc is-live=true pattern=smpte horizontal-speed=2 '
        '! video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 '
        '! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=%d threads=1 bitrate=1500 '
        '! video/x-h264,profile=constrained-baseline ! %s )' % (width, height, fps, fps * 2, H264_TAIL)
    )


def parse_mount(arg):
    m = re.match(r'^(/[^=]*)=(file|test):(.+)$', arg)
    if not m:
        raise argparse.ArgumentTypeError('expected /path=file:<mp4> or /path=test:<w>x<h>@<fps>, got %r' % arg)
    mount, kind, rest = m.groups()
    if kind == 'file':
        if not os.path.isfile(rest):
            raise argparse.ArgumentTypeError('file not found: %s' % rest)
        return mount, kind, os.path.abspath(rest)
    t = re.match(r'^(\d+)x(\d+)@(\d+)$', rest)
    if not t:
        raise argparse.ArgumentTypeError('test spec must be <w>x<h>@<fps>, got %r' % rest)
    return mount, kind, tuple(int(v) for v in t.groups())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--port', type=int, default=8554, help='RTSP TCP port (0 = any free port)')
    ap.add_argument('--address', default='127.0.0.1')
    ap.add_argument('--mount', type=parse_mount, action='append', required=True, metavar='/path=SPEC')
    ap.add_argument('--ready-timeout', type=float, default=8.0, help='seconds to wait for file feeders')
    args = ap.parse_args()

    die_with_parent(signal.SIGTERM)
    Gst.init(None)
    loop = GLib.MainLoop()
    server = GstRtspServer.RTSPServer()
    server.set_address(args.address)
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    feeders = []

    for mount, kind, spec in args.mount:
        if kind == 'file':
            feeder = FileFeeder(mount, spec)
            feeders.append(feeder)
            factory = FileFactory(feeder)
        else:
            factory = GstRtspServer.RTSPMediaFactory()
            factory.set_launch(test_launch(*spec))
        factory.set_shared(True)
        mounts.add_factory(mount, factory)

    def shutdown(*_):
        for f in feeders:
            f.stop()
        loop.quit()
        return GLib.SOURCE_REMOVE

    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, shutdown)
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGINT, shutdown)

    if server.attach(None) == 0:
        log('cannot listen on %s:%d (port in use?)' % (args.address, args.port))
        shutdown()
        return 2

    for f in feeders:
        f.start()
    for f in feeders:
        if not f.wait_first_packet(args.ready_timeout):
            log('feeder for %s exited or sent nothing within %.0f s (is %s a valid H.264 MP4?)' % (f.mount, args.ready_timeout, f.path))
            shutdown()
            return 3

    print('READY %d' % server.get_bound_port(), flush=True)
    loop.run()
    # Give feeders a moment to exit on SIGTERM, then make sure.
    for f in feeders:
        if f.proc_pid is not None:
            for _ in range(20):
                try:
                    pid, _ = os.waitpid(f.proc_pid, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid != 0:
                    break
                GLib.usleep(50000)
            else:
                try:
                    os.kill(f.proc_pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
