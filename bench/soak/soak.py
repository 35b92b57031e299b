#!/usr/bin/env python3
"""teefs soak: `teefs up` with three mirrors, a mixed workload for N minutes, a fault every few seconds.

Faults, chosen at random: SIGKILL of the broadcaster, of a mirror, of journal-fs; `teefs restart broadcast`;
`teefs restart mirror NAME`. A probe writes a small file to the mount every 250 ms and records when it appears on
each mirror: the largest such delay is the reported max lag (probes whose write failed, while the journal was
down, are not counted). At the end: writers stop, mirrors converge, `teefs verify STORE MIRROR` for each.

Prints: bytes written, faults injected (by kind), max and p99 lag, verify result. Not part of CI.
Usage: bench/soak/run.sh [MINUTES] [FAULT_EVERY_SECONDS]   (root, after `mvn -q -DskipTests package`)
"""
import os, random, signal, subprocess, sys, tempfile, threading, time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEEFS = os.environ.get('TEEFS', os.path.join(REPO, 'bin', 'teefs'))
minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 10
every = float(sys.argv[2]) if len(sys.argv) > 2 else 4
root = tempfile.mkdtemp(prefix='teefs-soak-', dir=os.environ.get('SOAK_DIR', '/var/tmp'))
store, mount, queue = (os.path.join(root, d) for d in ('store', 'mount', 'queue'))
mirrors = {n: os.path.join(root, n) for n in ('disk1', 'disk2', 'disk3')}
config = os.path.join(root, 'teefs.toml')
with open(config, 'w') as f:
    f.write('data = "%s"\n[broadcast]\nheartbeat = "500ms"\nidle_timeout = "3s"\n' % root)
    f.write('[supervise]\nbackoff_initial = "200ms"\nbackoff_max = "2s"\nstorm_limit = 30\nstable_after = "5s"\n')
    for n, t in mirrors.items():
        f.write('[[mirror]]\nname = "%s"\ntarget = "%s"\n' % (n, t))

up_log = open(os.path.join(root, 'up.out'), 'w')
up = subprocess.Popen([TEEFS, 'up', '--plain', '--config', config], stdout=up_log, stderr=subprocess.STDOUT)
deadline = time.time() + 120
while 'ready: write into' not in open(os.path.join(root, 'up.out')).read():
    if up.poll() is not None or time.time() > deadline:
        sys.exit('teefs up did not start:\n' + open(os.path.join(root, 'up.out')).read())
    time.sleep(0.2)

stop = threading.Event()
written = [0]
errors = [0]
lags = []

def workload(seed):
    r = random.Random(seed)
    base = os.path.join(mount, 'w%d' % seed)
    i = 0
    while not stop.is_set():
        i += 1
        try:
            os.makedirs(os.path.join(base, 'd%d' % (i % 50)), exist_ok=True)
            op = r.random()
            if op < 0.05:
                with open(os.path.join(base, 'big%d' % (i % 3)), 'ab') as f:
                    for _ in range(8):
                        f.write(os.urandom(1 << 20)); written[0] += 1 << 20
            elif op < 0.6:
                for k in range(20):
                    with open(os.path.join(base, 'd%d' % (i % 50), 'f%d' % r.randrange(2000)), 'wb') as f:
                        b = os.urandom(r.randint(0, 8192)); f.write(b); written[0] += len(b)
            elif op < 0.7:
                a = os.path.join(base, 'ren%d' % (i % 5)); os.makedirs(a, exist_ok=True)
                with open(os.path.join(a, 'open'), 'ab') as f:
                    f.write(b'x' * 100); f.flush()
                    os.rename(a, os.path.join(base, 'renamed%d' % r.randrange(100)))
                    f.write(b'y' * 100); written[0] += 200
            elif op < 0.8:
                d = os.path.join(base, 'd%d' % r.randrange(50))
                for n in os.listdir(d)[:10]:
                    os.unlink(os.path.join(d, n))
            elif op < 0.85:
                f = os.path.join(base, 'big%d' % r.randrange(3))
                if os.path.exists(f):
                    os.truncate(f, r.randrange(os.path.getsize(f) + 1))
            elif op < 0.95:
                s = os.path.join(base, 'd%d' % r.randrange(50), 'f%d' % r.randrange(2000))
                if os.path.exists(s):
                    h = s + '.hard'
                    if os.path.lexists(h): os.unlink(h)
                    os.link(s, h)
                    l = s + '.sym'
                    if os.path.lexists(l): os.unlink(l)
                    os.symlink(os.path.basename(s), l)
                    os.chmod(s, r.choice([0o600, 0o644, 0o755]))
            else:
                import mmap
                fn = os.path.join(base, 'mm')
                fd = os.open(fn, os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    os.ftruncate(fd, 1 << 20)
                    m = mmap.mmap(fd, 1 << 20)
                    off = r.randrange((1 << 20) - 4096); m[off:off + 4096] = os.urandom(4096); m.flush(); m.close()
                    written[0] += 4096
                finally:
                    os.close(fd)
        except OSError:
            errors[0] += 1
            time.sleep(0.05)

def probe():
    os.makedirs(os.path.join(mount, 'probe'), exist_ok=True) if os.path.isdir(mount) else None
    n = 0
    while not stop.is_set():
        n += 1
        name = 'p%d' % (n % 200)
        body = b'%d' % n
        try:
            os.makedirs(os.path.join(mount, 'probe'), exist_ok=True)
            with open(os.path.join(mount, 'probe', name), 'wb') as f:
                f.write(body)
        except OSError:
            time.sleep(0.25); continue
        t0 = time.time()
        pending = set(mirrors)
        while pending and time.time() - t0 < 120 and not stop.is_set():
            for m in list(pending):
                try:
                    with open(os.path.join(mirrors[m], 'probe', name), 'rb') as f:
                        if f.read() == body:
                            pending.discard(m)
                except OSError:
                    pass
            time.sleep(0.002)
        if not pending:
            lags.append(time.time() - t0)
        time.sleep(0.25)

def child(words):
    out = subprocess.run(['pgrep', '-f', 'teefs.cli.Main ' + words], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]

faults = {}
def fault(r):
    kind = r.choice(['kill broadcast', 'kill mirror', 'kill mirror', 'kill journal', 'restart broadcast',
                     'restart mirror'])
    name = r.choice(list(mirrors))
    if kind == 'kill broadcast':
        pids = child('broadcast --queue ' + queue)
    elif kind == 'kill mirror':
        pids = child('mirror --connect .* --target ' + mirrors[name] + ' ')
    elif kind == 'kill journal':
        pids = child('journal --store ' + store)
    else:
        args = ['restart'] + kind.split()[1:] + ([name] if kind == 'restart mirror' else []) + ['--config', config]
        subprocess.run([TEEFS] + args, capture_output=True)
        pids = None
    for p in pids or []:
        os.kill(p, signal.SIGKILL)
    faults[kind] = faults.get(kind, 0) + 1

threads = [threading.Thread(target=workload, args=(s,)) for s in (1, 2)] + [threading.Thread(target=probe)]
for t in threads:
    t.start()
r = random.Random(int(os.environ.get('SOAK_SEED', '42')))
t_end = time.time() + minutes * 60
t_start = time.time()
while time.time() < t_end and up.poll() is None:
    time.sleep(every * (0.5 + r.random()))
    fault(r)
stop.set()
for t in threads:
    t.join()
elapsed = time.time() - t_start

# converge, then verify every mirror
t0 = time.time()
results = {}
while time.time() - t0 < 600:
    results = {m: subprocess.run([TEEFS, 'verify', store, t], capture_output=True, text=True)
               for m, t in mirrors.items()}
    if all(v.returncode == 0 for v in results.values()):
        break
    time.sleep(5)
converge = time.time() - t0
up.send_signal(signal.SIGTERM)
up.wait(180)
lags.sort()
p99 = lags[int(len(lags) * 0.99) - 1] if lags else float('nan')
print('soak: %.1f min, dir %s' % (elapsed / 60, root))
print('bytes written      %d (%.1f MiB)' % (written[0], written[0] / 2 ** 20))
print('writer errors      %d (operations refused while the journal was down)' % errors[0])
print('faults injected    %d  %s' % (sum(faults.values()), dict(sorted(faults.items()))))
print('lag (probe -> all 3 mirrors)  max %.3f s  p99 %.3f s  median %.3f s  (%d probes)' % (
    lags[-1] if lags else float('nan'), p99, lags[len(lags) // 2] if lags else float('nan'), len(lags)))
print('converged          %.1f s after the writers stopped' % converge)
for m, v in results.items():
    print('verify %-6s      %s' % (m, 'OK' if v.returncode == 0 else 'FAILED (exit %d)\n%s' % (v.returncode, v.stdout[-2000:] + v.stderr[-2000:])))
print('teefs up exit      %d' % up.returncode)
sys.exit(0 if all(v.returncode == 0 for v in results.values()) else 1)
