"""The law as data: the patterns that propose a document's 公开属性.

A maintainer extends the classifier here, not in code. Each :class:`Rule` names
what its words point to — 主动公开 with the item of 第二十条, 依申请公开, or
不予公开 with its reason — how strongly (``weight``) and where the words must
stand (``where``): a 文种 or subject in the title says more about a document
than a word in its body, so the same weight counts three times in the title,
twice in the header (the lines before the body: 版头, 标题, 主送机关) and once
in the body. ``example`` is a text that fires the rule; the tests walk the table
with these, so a new rule comes with its example.

Scoring (in :mod:`engine.classify.classifier`) adds the weights of the rules that
fire, per outcome; the strongest outcome wins. What the table does not decide:

* a 密级 marking (:data:`SECRECY_MARKING`) makes a document 不予公开 / 国家秘密
  whatever its content says, and an explicit 附注 (:data:`MARKINGS`) gives the
  attribute — those are hard rules, applied before the table;
* :data:`HINTS` never choose an outcome; they put a proposal under review and
  keep a restricted document from being proposed for 主动公开.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from engine.codes import REGULATION, Attribute, Reason, ThirdPartyKind


class Where(StrEnum):
    """The part of a document a rule reads."""

    TITLE = "title"  # 标题 (and the heading lines around it)
    HEADER = "header"  # everything before the body: 版头, 标题, 主送机关, form fields
    BODY = "body"  # the whole text


WHERE_FACTOR: dict[Where, float] = {Where.TITLE: 3.0, Where.HEADER: 2.0, Where.BODY: 1.0}

# A rule firing n times counts 1, 1.5, 2 times its weight (n >= 3): repetition
# adds a little, it does not drown out the title.
MAX_COUNTED_MATCHES = 3

# The standing score of 依申请公开, the default (第十三条: what 第二十条 does not list
# and 第十四–十六条 do not exclude is disclosed on request): one passing word in
# the body does not overturn it.
ON_REQUEST_PRIOR = 1.0

ON_REQUEST_ARTICLE = "第二十七条"

# 第二十条: what every agency discloses proactively, by item.
PROACTIVE_ITEMS: dict[int, str] = {
    1: "行政法规、规章和规范性文件",
    2: "机关职能、机构设置、办公地址、办公时间、联系方式、负责人姓名",
    3: "国民经济和社会发展规划、专项规划、区域规划及相关政策",
    4: "国民经济和社会发展统计信息",
    5: "行政许可和其他对外管理服务事项的依据、条件、程序以及办理结果",
    6: "行政处罚、行政强制的依据、条件、程序以及有一定社会影响的行政处罚决定",
    7: "财政预算、决算信息",
    8: "行政事业性收费项目及其依据、标准",
    9: "政府集中采购项目的目录、标准及实施情况",
    10: "重大建设项目的批准和实施情况",
    11: "扶贫、教育、医疗、社会保障、促进就业等方面的政策、措施及其实施情况",
    12: "突发公共事件的应急预案、预警信息及应对情况",
    13: "环境保护、公共卫生、安全生产、食品药品、产品质量的监督检查情况",
    14: "公务员招考的职位、名额、报考条件等事项以及录用结果",
    15: "法律、法规、规章和国家有关规定应当主动公开的其他政府信息",
}
CATCH_ALL_ITEM = 15

_CHINESE_NUMBERS = "一二三四五六七八九十"


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals as articles are numbered: 十五, 二十七."""
    if not 0 < n < 100:
        raise ValueError(f"out of range: {n}")
    tens, units = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CHINESE_NUMBERS[tens - 1] + "十")
    return head + (_CHINESE_NUMBERS[units - 1] if units else "")


def proactive_basis(item: int | None) -> str:
    """《条例》第二十条第（N）项, or 第二十条 when no item is known."""
    if item is None:
        return f"{REGULATION}第二十条"
    if item not in PROACTIVE_ITEMS:
        raise ValueError(f"第二十条 has no item {item}")
    return f"{REGULATION}第二十条第（{chinese_number(item)}）项"


def on_request_basis() -> str:
    return f"{REGULATION}{ON_REQUEST_ARTICLE}"


@dataclass(frozen=True)
class Rule:
    """Words that point to one outcome."""

    name: str
    pattern: re.Pattern[str]
    attribute: Attribute
    reason: Reason | None
    item: int | None  # 第二十条 item, for 主动公开 rules
    weight: float
    where: Where
    example: str
    third_party_kind: ThirdPartyKind | None = None

    def __post_init__(self) -> None:
        withheld = self.attribute is Attribute.WITHHELD
        if withheld != (self.reason is not None):
            raise ValueError(f"{self.name}: a reason goes with 不予公开 and only with it")
        if (self.attribute is Attribute.PROACTIVE) != (self.item in PROACTIVE_ITEMS):
            raise ValueError(f"{self.name}: a 主动公开 rule names its item of 第二十条")
        if (self.third_party_kind is not None) != (self.reason is Reason.THIRD_PARTY_RIGHTS):
            raise ValueError(f"{self.name}: third_party_kind goes with third_party_rights")

    @property
    def score(self) -> float:
        return self.weight * WHERE_FACTOR[self.where]


def _proactive(
    name: str, item: int, weight: float, where: Where, pattern: str, example: str
) -> Rule:
    return Rule(name, re.compile(pattern), Attribute.PROACTIVE, None, item, weight, where, example)


def _on_request(name: str, weight: float, where: Where, pattern: str, example: str) -> Rule:
    return Rule(name, re.compile(pattern), Attribute.ON_REQUEST, None, None, weight, where, example)


def _withheld(
    name: str,
    reason: Reason,
    weight: float,
    where: Where,
    pattern: str,
    example: str,
    kind: ThirdPartyKind | None = None,
) -> Rule:
    compiled = re.compile(pattern)
    return Rule(name, compiled, Attribute.WITHHELD, reason, None, weight, where, example, kind)


T, H, B = Where.TITLE, Where.HEADER, Where.BODY
PROCESS, INTERNAL = Reason.PROCESS_INFO, Reason.INTERNAL_AFFAIRS
CASE, THIRD = Reason.ENFORCEMENT_CASE, Reason.THIRD_PARTY_RIGHTS
SECURITY = Reason.SECURITY_STABILITY
TRADE, PRIVACY = ThirdPartyKind.TRADE_SECRET, ThirdPartyKind.PERSONAL_PRIVACY

# Each entry: name, [item of 第二十条 | reason], weight, where, pattern, example.
# fmt: off
RULES: tuple[Rule, ...] = (
    # ── 主动公开 — 第二十条, by item ─────────────────────────────────────────
    _proactive("normative_document", 1, 2.0, T,
        r"办法|规定|细则|条例|规则|实施方案|行动方案|实施意见|指导意见"
        r"|若干(?:措施|意见|政策)|规范性文件",
        "关于印发《江临市城市道路挖掘管理办法》的通知"),
    _proactive("issued_policy", 1, 2.0, T,
        r"印发.{0,40}(?:方案|计划|要点|意见|制度|规范|标准|措施|清单|目录)",
        "江临市人民政府办公厅关于印发《江临市政务公开示范点建设工作方案》的通知"),
    _proactive("normative_in_force", 1, 1.0, B,
        r"自(?:印发|发布|公布)之日起(?:施行|执行|实施|试行)|有效期(?:为|至)"
        r"|本(?:办法|规定|细则|条例|方案)由.{2,24}负责解释",
        "本办法自发布之日起施行。"),
    _proactive("organisation", 2, 2.0, T,
        r"机构职能|主要职责|职能配置|内设机构|机构设置|领导(?:班子)?(?:分工|简介)"
        r"|办公地址|办公时间",
        "江临市商务局主要职责和内设机构"),
    _proactive("plan", 3, 2.0, T,
        r"规划|发展纲要|远景目标",
        "江临市“十四五”综合交通运输发展规划"),
    _proactive("statistics", 4, 2.5, T,
        r"统计(?:公报|数据|信息|年鉴|快报|月报|分析)|主要经济指标",
        "江临市2022年国民经济和社会发展统计公报"),
    _proactive("licensing", 5, 2.0, T,
        r"行政许可|许可事项|审批(?:事项|结果)|政务服务事项|办事指南|准予.{0,8}许可"
        r"|权责清单|权力清单",
        "关于公布江临市行政许可事项清单的通知"),
    _proactive("penalty_decision", 6, 3.5, T,
        r"行政处罚决定|处罚决定书|(?:行政)?处罚(?:结果|信息)|行政强制",
        "江临市市场监督管理局行政处罚决定书"),
    _proactive("budget", 7, 2.5, T,
        # the budget itself, not a notice on preparing or managing one
        r"(?:部门|单位|政府|财政|公共|年度?|总)(?:预算|决算)(?!编制|管理|绩效|评审)"
        r"|预决算|三公经费",
        "江临市审计局2021年度部门决算"),
    _proactive("fees", 8, 2.5, T,
        r"收费(?:项目|标准|目录|清单|依据)|行政事业性收费|涉企收费",
        "江临市行政事业性收费目录清单"),
    _proactive("procurement", 9, 2.0, T,
        r"政府采购|集中采购|采购(?:意向|公告|结果|需求)|中标(?:结果|公告|候选人)"
        r"|成交(?:结果|公告)|招标公告",
        "江临市2023年政府集中采购目录及标准"),
    _proactive("major_project", 10, 2.5, T,
        r"项目建议书|可行性研究报告|初步设计|重大(?:建设)?项目|项目(?:核准|批准)",
        "江临港区二期工程重大项目实施情况"),
    _proactive("project_approval", 10, 3.0, T,
        r"(?:项目建议书|可行性研究报告|可研报告|初步设计(?:及概算)?|项目核准|立项)"
        r"的(?:批复|核准)",
        "关于江临港区二期工程项目建议书的批复"),
    _proactive("social_policy", 11, 1.5, T,
        # not an agency's name: 医疗保障局, 乡村振兴局, 残疾人联合会
        r"(?:促进.{0,6}就业|就业创业|稳就业|扶贫|脱贫|乡村振兴|社会保障|社会救助"
        r"|医疗保障|养老服务|助学|教育资助|残疾人)(?![局委厅办署]|联合会)",
        "江临市促进高校毕业生就业若干措施"),
    _proactive("emergency", 12, 2.0, T,
        r"应急预案|预警信息|突发(?:公共)?事件(?:应对|应急处置)情况",
        "江临市防汛应急预案"),
    _proactive("inspection_results", 13, 2.0, T,
        r"(?:抽查|抽检|监督检查|检查|监测)(?:结果|情况)(?:的)?(?:公示|公告|通报)|双随机",
        "2023年食品安全监督抽检结果公告"),
    _proactive("recruitment", 14, 2.5, T,
        r"公开招聘|招聘(?:公告|简章|启事)|招考|考试录用|招录|拟(?:录用|聘用)人员"
        r"|录用(?:公示|名单)",
        "2023年江临市事业单位公开招聘工作人员公告"),
    _proactive("annual_report", 15, 3.0, T,
        r"政府信息公开(?:工作)?年度报告|政务公开.{0,4}年度报告",
        "江临市商务局2022年政府信息公开工作年度报告"),
    _proactive("public_consultation", 15, 3.0, T,
        r"(?:公开|向社会)征求意见",
        "关于《江临市停车管理办法（草案）》公开征求意见的公告"),
    _proactive("public_notice", 15, 2.0, T,
        r"公告|通告|公示|白皮书|新闻发布|解读|答记者问",
        "《江临市国土空间总体规划》解读"),
    _proactive("addressed_to_public", 15, 1.0, B,
        r"(?:现|特)?予(?:以)?公(?:布|告|示)|向社会(?:公布|公开|公示)|特此(?:公告|公示|通告)"
        r"|公示期|社会各界|社会公众",
        "现将有关事项公告如下，欢迎社会各界监督。"),

    # ── 依申请公开 — kinds agencies' catalogues mark so (practice) ─────────────
    _on_request("letter", 2.0, T,
        r"复函|的函|函复|商请|联系函|协调函|函告",
        "关于商请核实用地界线的函"),
    _on_request("approval_reply", 2.0, T,
        r"批复",
        "关于同意调整农村公路养护计划的批复"),
    _on_request("minutes", 2.0, T,
        r"会议纪要|纪要",
        "江临县第二小学扩建工程推进会议纪要"),
    _on_request("report_upward", 1.2, T,
        r"的(?:报告|汇报)|(?:情况|工作|整改)(?:报告|汇报)|工作总结",
        "关于汛期安全检查问题整改情况的报告"),
    _on_request("bulletin", 1.2, T,
        r"通报",
        "关于热线工单办理超时情况的通报"),
    _on_request("forwarding", 1.0, T,
        r"转发",
        "转发省教育厅关于做好教师培训工作的通知"),

    # ── 不予公开: 过程性信息 — 第十六条第二款 ─────────────────────────────────
    _withheld("request_for_instructions", PROCESS, 3.0, T,
        r"请示",
        "关于追加城区排涝设施改造资金的请示"),
    _withheld("request_closing", PROCESS, 2.0, B,
        r"(?:妥否|当否|可否)[，,]?请(?:批示|批复|审批|示)|请予(?:批准|批复)|特此请示"
        r"|以上(?:意见|请示)(?:妥否|当否)",
        "以上意见当否，请批示。"),
    _withheld("draft", PROCESS, 5.0, H,
        r"征求意见稿|讨论稿|送审稿|修改稿|草案|初稿|代拟稿|审议稿|过程稿|未定稿",
        "江临市菜市场改造行动方案（第二次修改稿）"),
    _withheld("draft_open_points", PROCESS, 1.5, B,
        r"待定事项|待(?:调研|研究|会议)?(?:后)?再定|意见不一"
        r"|尚未(?:正式)?(?:回函|统一|确定|定稿)|以正式印发(?:文本|稿)?为准"
        r"|请.{0,6}(?:会|组)(?:研究|定|审定)",
        "配套比例待调研后再定。"),
    _withheld("consultation_letter", PROCESS, 3.0, T,
        r"反馈意见|意见的(?:复)?函|征求.{0,40}意见的(?:函|通知)|会签|磋商"
        r"|关于对《[^》]+》的(?:修改)?意见",
        "关于对《江临市扬尘污染防治办法（征求意见稿）》的反馈意见函"),
    _withheld("consultation_reply", PROCESS, 1.5, B,
        r"现将(?:有关)?意见反馈如下|以上意见供参考|(?:修改|反馈)意见(?:如下|见附件)"
        r"|文字修改意见",
        "现将意见反馈如下："),
    _withheld("discussion_record", PROCESS, 3.0, T,
        r"讨论记录|会议记录|研究记录|座谈记录|讨论纪要",
        "局党组会议讨论记录"),

    # ── 不予公开: 内部事务信息 — 第十六条第一款 ───────────────────────────────
    _withheld("personnel", INTERNAL, 3.0, T,
        r"考勤|请(?:休|销)?假|休假|考察(?:材料|报告|情况)|现实表现"
        r"|(?:年度|平时|绩效)考核(?:结果|等次|情况|登记)|人事(?:管理|档案|调整)"
        r"|干部(?:档案|人事)|(?:科室|股室|处室|人员)(?:调整|分工)"
        r"|职工(?:福利|体检|疗养)|工资(?:调整|套改|审批)|值班(?:安排|表)",
        "关于2023年第一季度局机关考勤情况的通报"),
    _withheld("logistics", INTERNAL, 3.0, T,
        r"公务用车|公车|公务接待|车辆(?:管理|使用|维修|保险|派遣)"
        r"|(?:机关|职工|单位)食堂|办公用品|物业(?:管理|服务)|后勤"
        r"|办公(?:用房|楼)(?:维修|管理)|固定资产(?:管理|盘点)",
        "关于规范局机关公务用车使用管理的通知"),
    _withheld("internal_procedure", INTERNAL, 3.0, T,
        # 机关 of this agency, not 行政机关 / 国家机关 in general nor the 机关事务管理局
        r"(?:(?<![行政国家])机关(?!事务)|内部).{0,10}(?:规程|流程|制度|办法|细则)"
        r"|办文办会|公文处理|收发文|议事规则|党组.{0,4}规则|(?:局长|党组|主任)办公会",
        "关于印发《江临市医疗保障局机关办文办会工作规程》的通知"),
    _withheld("internal_recipients", INTERNAL, 2.0, H,
        r"(?:局|委|本)?机关各(?:科室|处室|股室|部门)|局属各科室|局内各|本局各",
        "局机关各科室："),
    _withheld("personnel_details", INTERNAL, 1.0, B,
        r"民主推荐|民主测评|个别谈话|考察组|拟任|得票率|打卡|年休假|销假|考勤",
        "民主推荐中该同志得票率较高。"),

    # ── 不予公开: 行政执法案卷 — 第十六条第二款 ───────────────────────────────
    _withheld("case_form", CASE, 3.0, T,
        r"笔录|立案(?:审批|登记|报告)|(?:调查终结|结案)(?:报告|审批)"
        r"|案件(?:调查|处理|移送|审批)|现场检查记录|勘验|送达回证|事先告知|陈述申辩"
        r"|听证(?:通知|报告)|先行登记保存|查封扣押|抽样取证"
        r"|责令(?:改正|整改|停止违法行为)通知书",
        "询 问 笔 录"),
    _withheld("case_fields", CASE, 2.0, H,
        r"案由[：:]|当\s*事\s*人[：:]|被(?:询问|调查|检查)人|案件来源"
        r"|执法证(?:件)?(?:编号|号)|案件编号|询问人|记录人",
        "案由：涉嫌无证经营案"),
    _withheld("case_procedure", CASE, 1.0, B,
        r"执法人员|执法证件|如实回答|申请回避|陈述(?:和|、)申辩|涉嫌|立案调查|调查取证"
        r"|证据材料",
        "依法你有权进行陈述和申辩。"),

    # ── 不予公开: 第三方合法权益 — 第十五条 ───────────────────────────────────
    _withheld("trade_secret", THIRD, 3.0, T,
        r"投标(?:文件|报价|书)|报价(?:单|表|明细)|成本(?:构成|核算|监审|调查)"
        r"|(?:公司|集团|企业|厂).{0,30}技术方案|商业秘密|财务(?:报表|报告|数据)"
        r"|经营(?:数据|状况)",
        "江临建工集团有限公司投标报价明细表", TRADE),
    _withheld("trade_secret_details", THIRD, 1.5, B,
        # the data itself; the words 商业秘密 / 个人隐私 are quoted by every rule book
        r"投标报价|报价明细|成本构成|成本明细|核心技术|专有技术|单价分析|毛利率|利润率",
        "该公司的成本构成和毛利率如下。", TRADE),
    _withheld("personal_privacy", THIRD, 3.0, T,
        r"入户调查|家庭(?:经济)?(?:状况|收入|财产)|(?:低保|救助|补助|困难)(?:申请|审核|审批|认定)"
        r"|申请.{0,10}(?:最低生活保障|低保|救助|补助)|病历|体检(?:报告|结果)"
        r"|个人(?:信息|档案|简历)|花名册|信访(?:件|人|材料|事项)|举报(?:人|材料|信)",
        "关于李某户申请临时救助的入户调查报告", PRIVACY),
    _withheld("personal_details", THIRD, 1.5, B,
        r"身份证(?:号码|号)|家庭(?:年)?(?:总)?收入|人均收入|确诊|病史|诊断为|残疾证"
        r"|银行存款|婚姻状况|健康状况|住院治疗|精神(?:疾病|障碍)|犯罪记录",
        "家庭年总收入约1.2万元，无其他收入。", PRIVACY),

    # ── 不予公开: 危及“三安全一稳定” — 第十四条 ─────────────────────────────
    _withheld("stability", SECURITY, 3.0, T,
        r"群体性|聚集|维稳|稳控|涉稳|信访稳定|不稳定因素|舆情(?:处置|应对)|重点人员",
        "关于“江临花园”项目业主聚集事件处置工作方案"),
    _withheld("stability_measures", SECURITY, 1.5, B,
        r"可散不可聚|稳控|维稳|警力|便衣|特警|聚集|集体维权|重点人员|劝返|煽动|事态扩大"
        r"|涉稳",
        "现场部署警力150人，对重点人员落实稳控。"),
)
# fmt: on


@dataclass(frozen=True)
class Hint:
    """Words that put a proposal under review; they never choose its outcome.

    ``blocks_proactive``: the words restrict the document's distribution
    (内部, 请勿外传 …), so content alone never proposes it for 主动公开.
    """

    name: str
    pattern: re.Pattern[str]
    where: Where
    blocks_proactive: bool
    example: str


# fmt: off
HINTS: tuple[Hint, ...] = (
    Hint("internal_marking",
        re.compile(r"(?m)^[（(]?内部(?:资料|文件|讨论稿|明电|参阅|使用|刊物)?[）)]?(?:★.*)?$"),
        H, True, "内部资料"),
    Hint("restricted_distribution",
        re.compile(
            r"(?:请勿|严禁|不得|禁止)(?:外传|外泄|翻印|复印|扩散|引用|上网)"
            r"|仅限.{0,12}(?:掌握|阅知|使用|知悉)|仅供.{0,12}(?:研究|内部|参阅)|注意保密"
            r"|阅后(?:收回|退回|销毁)|内部(?:资料|使用|掌握|传阅)"
        ),
        B, True, "本通知仅限局领导班子成员阅知，严禁外传。"),
    Hint("secrecy_context",
        re.compile(r"涉密(?:文件|材料|载体|事项|人员|计算机)|秘密载体|密件|保密室|保密承诺|定密"),
        B, False, "有关材料存放于机要保密室。"),
)
# fmt: on

# 密级和保密期限 (GB/T 9704 版头): 秘密★1年, 机密★长期, or the level alone on its line.
SECRECY_MARKING = re.compile(
    r"(?m)^[ \t\u3000]*(?P<level>绝密|机密|秘密)[ \t\u3000]*"
    r"(?:★[ \t\u3000]*(?P<period>[^\s★]{1,8}))?[ \t\u3000]*$"
    r"|(?P<level2>绝密|机密|秘密)[ \t\u3000]*★[ \t\u3000]*(?P<period2>[^\s★]{1,8})?"
)

# 附注: the 公开属性 an agency wrote on the document itself — （此件公开发布） or, in
# some provinces, a 版记 line 公开方式：主动公开 (on its own line: the same words in a
# 公开目录's table describe other documents).
_ON_ITS_LINE = r"(?m)^[ \t\u3000]*[（(]?(?:政府)?(?:信息)?公开(?:属性|方式|选项)[：:][ \t\u3000]*"
MARKINGS: tuple[tuple[re.Pattern[str], Attribute], ...] = (
    (re.compile(r"[（(]\s*此件(?:公开发布|主动公开|公开|删减后公开)\s*[）)]"), Attribute.PROACTIVE),
    (re.compile(r"[（(]\s*此件依申请公开\s*[）)]"), Attribute.ON_REQUEST),
    (re.compile(r"[（(]\s*此件(?:不予公开|不公开)\s*[）)]"), Attribute.WITHHELD),
    (re.compile(_ON_ITS_LINE + r"(?:主动公开|公开发布)[）)]?[ \t\u3000]*$"), Attribute.PROACTIVE),
    (re.compile(_ON_ITS_LINE + r"依申请公开[）)]?[ \t\u3000]*$"), Attribute.ON_REQUEST),
    (re.compile(_ON_ITS_LINE + r"(?:不予公开|不公开)[）)]?[ \t\u3000]*$"), Attribute.WITHHELD),
)
