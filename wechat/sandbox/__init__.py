"""A local stand-in for api.weixin.qq.com: the endpoints this project calls, with WeChat's answers
and error codes (40001, 40013, 40029, 40163, 42001, 43004, 45009), recording every call.

``make run`` mounts it at /sandbox in the app itself; tests serve it on a loopback port so that the
real HTTP client code runs. Nothing here reaches the internet.
"""
from wechat.sandbox.state import SandboxState
from wechat.sandbox.views import create_sandbox_app, make_blueprint

__all__ = ["SandboxState", "create_sandbox_app", "make_blueprint"]
