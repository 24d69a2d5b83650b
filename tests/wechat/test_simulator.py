"""The simulator signs and encrypts like WeChat and drives a served app over HTTP."""
import threading

from werkzeug.serving import make_server


def test_simulator_drives_a_running_server(app, session):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/wechat"
        runner = app.test_cli_runner()
        plain = runner.invoke(args=["wechat", "simulate", "text", "--text", "帮助", "--url", url])
        assert plain.exit_code == 0 and "HTTP 200" in plain.output and "使用帮助" in plain.output
        secret = runner.invoke(args=["wechat", "simulate", "subscribe", "--openid", "o_sim_x", "--aes", "--url", url])
        assert secret.exit_code == 0 and "欢迎关注青春北京" in secret.output
    finally:
        server.shutdown()
