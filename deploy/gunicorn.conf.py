"""gunicorn's settings for the web nodes, one file for README's command, the systemd unit, compose and
the benches (`gunicorn -c deploy/gunicorn.conf.py -w N 'app:create_app()'`; the command line wins).

gthread with as many connection slots as threads: a worker takes a connection only when it has a thread
free for it, so waiting requests queue in the kernel where any worker takes them; nginx opens a
connection per request, so none is kept alive.

After the app is loaded, its objects (modules, models, compiled statements: hundreds of thousands)
are moved out of the garbage collector's sight (gc.freeze): they live as long as the worker, yet every
full collection walked them all — a pause of milliseconds in whichever request allocated at the
wrong moment (bench/README.md measures it).
"""
import gc

worker_class = "gthread"
threads = 4
worker_connections = 4
keepalive = 0


def post_worker_init(worker):
    gc.freeze()
