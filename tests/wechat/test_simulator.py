"""The simulator signs and encrypts like WeChat and drives a served app over HTTP."""
import threading

from werkzeug.serving import make_server

from models import Subscription


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
        # The subscription events (issue 27): the popup's answer, then a change in the settings.
        popup = runner.invoke(args=["wechat", "simulate", "subscribe_msg_popup", "--openid", "o_sim_x", "--aes",
                                    "--url", url])
        assert popup.exit_code == 0 and "HTTP 200" in popup.output
        kept = session.get(Subscription, ("o_sim_x", app.config["PUSH_SUBSCRIBE_TEMPLATE_ID"]))
        assert kept.status == "accept"
        runner.invoke(args=["wechat", "simulate", "subscribe_msg_change", "--openid", "o_sim_x", "--status",
                            "reject", "--url", url])
        session.expire_all()
        assert session.get(Subscription, ("o_sim_x", app.config["PUSH_SUBSCRIBE_TEMPLATE_ID"])).status == "reject"
        sent = runner.invoke(args=["wechat", "simulate", "subscribe_msg_sent", "--openid", "o_sim_x", "--msgid", "42",
                                   "--url", url])
        assert sent.exit_code == 0 and "HTTP 200" in sent.output
    finally:
        server.shutdown()
