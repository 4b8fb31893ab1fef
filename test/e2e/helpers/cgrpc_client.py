#!/usr/bin/python3
"""A second real xDS client for the e2e tests: gRPC C-core, through Python's grpcio.

Run it with /usr/bin/python3 (Debian's python3-grpcio). It builds an xDS bootstrap that points at
Trellis, opens one channel on an xds:/// target and calls the echo servers of
test/e2e/helpers/echo-server.ts: method /trellis.test.Echo/Call, whose messages are JSON (`{}` in,
`{"from": "<server name>"}` out), so no stubs and no protobuf are needed.

Every call prints one JSON line on stdout:
  {"id": <batch id>, "from": "v1"}                                     answered
  {"id": <batch id>, "code": 14, "status": "UNAVAILABLE", "details": "..."}  failed
and each batch ends with {"id": <batch id>, "done": <number of calls made>}.

One shot:   cgrpc_client.py --target T --xds-port P --node-id N --calls 20 [--header k=v] ...
Session:    cgrpc_client.py --target T --xds-port P --node-id N --session
            then one JSON command a line on stdin, answered by one batch on stdout:
            {"id": 1, "calls": 100, "headers": {"x-canary": "yes"}, "deadline_ms": 5000,
             "until_from": "v2", "until_count": 50, "max_seconds": 20}
            (until_*: stop early once that many calls were answered by that server; "*": by any).
            The session ends at the end of stdin (the test closed it, or died).

The process always exits by itself: each call has a deadline, each batch a time limit, and the
whole process a lifetime limit (--max-seconds) after which it exits whatever it is doing.
"""

import argparse
import json
import os
import sys
import threading
import time


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--target', required=True, help='e.g. xds:///echo.default.svc.cluster.local:50051')
    parser.add_argument('--xds-port', type=int, required=True, help="Trellis's xDS port on 127.0.0.1")
    parser.add_argument('--node-id', required=True)
    parser.add_argument('--zone', default='zone-a', help='locality zone of the node')
    parser.add_argument('--method', default='/trellis.test.Echo/Call')
    parser.add_argument('--calls', type=int, default=1, help='one-shot mode: how many calls')
    parser.add_argument('--header', action='append', default=[], metavar='KEY=VALUE',
                        help='metadata sent with every call (repeatable)')
    parser.add_argument('--deadline-ms', type=int, default=5000, help='deadline of each call')
    parser.add_argument('--until-from', help='stop once --until-count calls were answered by this server (*: any)')
    parser.add_argument('--until-count', type=int, default=1)
    parser.add_argument('--batch-seconds', type=float, default=30, help='time limit of one batch of calls')
    parser.add_argument('--session', action='store_true', help='read batches of calls from stdin')
    parser.add_argument('--max-seconds', type=float, default=120, help='the process exits after this long')
    parser.add_argument('--certs', help='mesh mTLS (gRFC A29): a directory with cert-chain.pem, key.pem and '
                        'roots.pem, read by file_watcher certificate providers "default" and "ROOTCA"; '
                        'the channel then uses xDS credentials')
    return parser.parse_args(argv)


def bootstrap(xds_port, node_id, zone, certs=None):
    config = {
        'xds_servers': [{
            'server_uri': '127.0.0.1:%d' % xds_port,
            'channel_creds': [{'type': 'insecure'}],
            'server_features': ['xds_v3'],
        }],
        'node': {'id': node_id, 'locality': {'zone': zone}},
    }
    if certs is not None:
        config['certificate_providers'] = {
            'default': {'plugin_name': 'file_watcher', 'config': {
                'certificate_file': os.path.join(certs, 'cert-chain.pem'),
                'private_key_file': os.path.join(certs, 'key.pem'),
                'refresh_interval': '60s',
            }},
            'ROOTCA': {'plugin_name': 'file_watcher', 'config': {
                'ca_certificate_file': os.path.join(certs, 'roots.pem'),
                'refresh_interval': '60s',
            }},
        }
    return json.dumps(config)


out_lock = threading.Lock()


def emit(record):
    line = json.dumps(record, separators=(',', ':'))
    with out_lock:
        sys.stdout.write(line + '\n')
        sys.stdout.flush()


def run_batch(grpc, call, batch_id, calls, headers, deadline_ms, until_from, until_count, max_seconds):
    """Makes up to `calls` calls one after another; prints one line per call and a closing line."""
    metadata = tuple((str(k).lower(), str(v)) for k, v in headers.items())
    stop_at = time.monotonic() + max_seconds
    answered_by_target = 0
    made = 0
    while made < calls and time.monotonic() < stop_at:
        made += 1
        # Never let a call outlive the batch's time limit.
        timeout = max(0.05, min(deadline_ms / 1000.0, stop_at - time.monotonic()))
        try:
            reply = call(b'{}', timeout=timeout, metadata=metadata)
            answered = json.loads(reply.decode('utf-8')).get('from')
            emit({'id': batch_id, 'from': answered})
            if until_from is not None and (until_from == '*' or answered == until_from):
                answered_by_target += 1
                if answered_by_target >= until_count:
                    break
        except grpc.RpcError as err:
            code = err.code()
            emit({
                'id': batch_id,
                'code': code.value[0] if code is not None else 2,
                'status': code.name if code is not None else 'UNKNOWN',
                'details': err.details() or '',
            })
        except Exception as err:  # a reply that is not the echo server's JSON
            emit({'id': batch_id, 'code': 2, 'status': 'UNKNOWN', 'details': 'client: %r' % (err,)})
    emit({'id': batch_id, 'done': made})


def main(argv):
    args = parse_args(argv)
    # A hard bound on the process's life, whatever happens (a hung channel, a test that forgot us).
    watchdog = threading.Timer(args.max_seconds, lambda: os._exit(3))
    watchdog.daemon = True
    watchdog.start()

    # C-core reads the bootstrap when the first xds: channel is made; set it before grpc loads.
    os.environ['GRPC_XDS_BOOTSTRAP_CONFIG'] = bootstrap(args.xds_port, args.node_id, args.zone, args.certs)
    os.environ.pop('GRPC_XDS_BOOTSTRAP', None)
    # A sync Python client polls C-core's sockets only while one of its calls runs; between calls the
    # xDS stream is read by C-core's backup poller, every 5 s by default, so pushes (and their ACKs)
    # would wait up to 5 s. Poll every 50 ms instead, so a test waiting for an ACK does not wait long.
    os.environ.setdefault('GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS', '50')
    import grpc  # noqa: E402 (after the environment is set)

    if args.certs is None:
        channel = grpc.insecure_channel(args.target)
    else:
        import grpc.experimental  # noqa: E402
        # xDS credentials: the cluster's UpstreamTlsContext decides; plaintext where it has none.
        fallback = grpc.experimental.insecure_channel_credentials()
        channel = grpc.secure_channel(args.target, grpc.xds_channel_credentials(fallback))
    # No serializers: the request is bytes and the reply stays bytes; the echo service speaks JSON.
    call = channel.unary_unary(args.method, request_serializer=None, response_deserializer=None)

    if not args.session:
        headers = dict(h.split('=', 1) for h in args.header)
        run_batch(grpc, call, 0, args.calls, headers, args.deadline_ms, args.until_from, args.until_count,
                  args.batch_seconds)
    else:
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                command = json.loads(line)
            except ValueError as err:
                emit({'error': 'not JSON: %s' % err})
                continue
            run_batch(
                grpc,
                call,
                command.get('id', 0),
                int(command.get('calls', 1)),
                command.get('headers') or {},
                int(command.get('deadline_ms', args.deadline_ms)),
                command.get('until_from'),
                int(command.get('until_count', 1)),
                float(command.get('max_seconds', args.batch_seconds)),
            )
    channel.close()
    sys.stdout.flush()
    # Skip interpreter teardown: grpc's threads can make it slow, and there is nothing left to do.
    os._exit(0)


if __name__ == '__main__':
    main(sys.argv[1:])
