"""Chinese texts of the bot, in one place so that wording stays consistent."""
from __future__ import annotations

HELP = (
    "青春志愿 使用帮助：\n"
    "· 扫描社区（村）服务队二维码即可报到加入服务队\n"
    "· 回复“签到”或“签退”，再发送你的位置，完成现场签到签退\n"
    "· 回复“时长”查看本年度志愿服务时长\n"
    "· 菜单“社区服务”查看我的服务队，“志愿服务”查看可报名的项目"
)


def welcome(register_url: str, bind_url: str) -> str:
    return ("欢迎关注青春北京！\n"
            f"首次使用请先完成实名注册：{register_url}\n"
            f"已有“青春北京”账号的，请绑定微信：{bind_url}\n\n" + HELP)


def welcome_back(name: str) -> str:
    return f"{name}，欢迎回来！你的账号和服务记录都还在。\n\n" + HELP


def minutes_text(minutes: int) -> str:
    return f"{minutes // 60} 小时 {minutes % 60} 分钟" if minutes >= 60 else f"{minutes} 分钟"


def need_binding(bind_url: str, register_url: str, then: str = "") -> str:
    return (f"你还没有绑定“青春北京”账号。{then}\n"
            f"已有账号请绑定：{bind_url}\n没有账号请先注册：{register_url}")


def joined(team_name: str, contact: str | None, phone: str | None, created: bool, skills_url: str = "") -> str:
    head = f"报到成功！你已加入「{team_name}」。" if created else f"你已在「{team_name}」中，无需重复报到。"
    lines = [head]
    if contact or phone:
        lines.append(f"联系人：{contact or '—'}  电话：{phone or '—'}")
    lines.append("请同时扫码加入服务队微信群，以便及时接收项目通知。")
    if created and skills_url:
        lines.append(f"填写个人特长，便于服务队安排：{skills_url}")
    return "\n".join(lines)


ASK_LOCATION = "请发送你的位置完成签到/签退：点击输入框旁的“＋”→“位置”→发送当前位置。"
NO_PROJECT = "你当前没有进行中的志愿项目。可在菜单“志愿服务”中查看可报名的项目。"
BAD_SCENE = "二维码无法识别，请确认扫描的是服务队或项目的二维码。"
