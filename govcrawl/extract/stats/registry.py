"""The label registry: which printed label means which metric key.

Pure data. Patterns are regular expressions applied to normalised text
(simplified Chinese, ASCII punctuation: see normalize.match_form), written to
tolerate the noise real reports carry: typos (只计这一情况), missing words
(三类内容事务信息), parenthetical notes, labels broken across PDF lines.
Keys follow DESIGN.md ("Metric keys").
"""
from __future__ import annotations

# ---------------------------------------------------------------- format
# The template version is read from its labels, never from the year.
VERSION_MARKERS = {
    "std-2021": [r"本年制发件数", r"本年废止件数", r"本年收费金额", r"逾期不补正", r"未按收费通知"],
    "std-2019": [r"本年新制作数量", r"本年新公开数量", r"第二十条第\(九\)项", r"采购总金额", r"对外公开总数量"],
}
# Either version: the applications table is there.
TEMPLATE_MARKERS = [r"本年新收.{0,12}申请", r"上年结转.{0,12}申请"]
# Without table 二's markers, table 三's 其他处理 rows tell the versions apart:
# the first version whose clue is in the text, else VERSION_DEFAULT.
VERSION_CLUES = {"std-2021": r"不补正|缴纳费用"}
VERSION_DEFAULT = "std-2019"
# Each table's own version, read from its own region: reports mix them (a 2021 table 二 with
# the 2019 single (六)其他处理 row; a 2019 table 二 with the 2021 table 三). First match wins;
# none: the document's version.
TABLE_VERSION_MARKERS = {
    "t2": {"std-2021": r"本年制发件数|本年废止件数|现行有效件数|本年收费金额",
           "std-2019": r"本年新制作数量|本年新公开数量|对外公开总数量|上一年项目数量|采购总金额"},
    "t3": {"std-2021": r"不补正|缴纳费用|收费通知", "std-2019": r"其他处理"},
}

# Where each table's region starts and ends (template.regions).
TABLE3_START = r"本列数据|申请人情况|本年新收"
TABLE4_START = r"行政复议"  # also ends table 三
TABLE4_END = r"五、|存在的主要问题|主要问题及改进"
# Table 四's own column header (the same in both versions): a page that starts mid-report
# (a flipbook page, a PDF's last pages) and shows no version marker is still read for
# table 四 and the table 三 rows both versions share (template.read_fragment).
TABLE4_HEADER = r"未经复议直接起诉|复议后起诉"

# ---------------------------------------------------------------- table 三
APPLY_COLS = ["natural_person", "business", "research", "nonprofit", "legal_service", "other_org", "total"]

# (key, label pattern) in template order. A row is matched by the label text
# printed before (or around) its numbers; the order is enforced as well.
APPLY_ROWS_COMMON_HEAD = [
    ("new", r"本年新收|新收.{0,6}申请"),
    ("carried_in", r"上年结转"),
    ("disclosed", r"予以公开"),
    ("partial", r"部分公开"),
    ("withheld.state_secret", r"国家秘密"),
    ("withheld.law_prohibited", r"法律行政法规|法律、行政法规|禁止公开"),
    ("withheld.security_stability", r"三安全|一稳定"),
    ("withheld.third_party", r"第三方"),
    ("withheld.internal_affairs", r"内部事务|三类内容事务|内部管理"),
    ("withheld.process_info", r"过程性"),
    ("withheld.enforcement_file", r"执法案卷"),
    ("withheld.query_matter", r"查询事项"),
    ("unavailable.not_held", r"不掌握"),
    ("unavailable.needs_creation", r"另行制作|现成信息"),
    ("unavailable.still_unclear", r"仍不明确|补正后"),
    ("not_processed.petition", r"信访|举报|投诉"),
    ("not_processed.repeat", r"重复申请"),
    ("not_processed.publication", r"出版物"),
    ("not_processed.mass_repeat", r"大量反复|反复申请"),
    ("not_processed.confirm", r"确认|重新出具"),
]
APPLY_ROWS_TAIL = [
    ("handled", r"总计"),
    ("carried_out", r"结转下年度|下年度继续"),
]
APPLY_ROWS = {
    "std-2021": APPLY_ROWS_COMMON_HEAD
    + [
        ("other.no_correction", r"不补正|逾期不补"),
        ("other.unpaid_fee", r"收费通知|缴纳费用"),
        ("other.other", r"其他"),
    ]
    + APPLY_ROWS_TAIL,
    "std-2019": APPLY_ROWS_COMMON_HEAD + [("other", r"其他处理")] + APPLY_ROWS_TAIL,
}
# Each row's label as the template prints it: a row whose printed label matches no pattern
# above (a typo: "2.其他法律行政止公开") is taken by tolerant comparison with this text, only at
# its place in template order between two exactly matched rows (template._like).
APPLY_LABELS = {
    "new": "本年新收政府信息公开申请数量",
    "carried_in": "上年结转政府信息公开申请数量",
    "withheld.state_secret": "属于国家秘密",
    "withheld.law_prohibited": "其他法律行政法规禁止公开",
    "withheld.security_stability": "危及三安全一稳定",
    "withheld.third_party": "保护第三方合法权益",
    "withheld.internal_affairs": "属于三类内部事务信息",
    "withheld.process_info": "属于四类过程性信息",
    "withheld.enforcement_file": "属于行政执法案卷",
    "withheld.query_matter": "属于行政查询事项",
    "unavailable.not_held": "本机关不掌握相关政府信息",
    "unavailable.needs_creation": "没有现成信息需要另行制作",
    "unavailable.still_unclear": "补正后申请内容仍不明确",
    "not_processed.petition": "信访举报投诉类申请",
    "not_processed.repeat": "重复申请",
    "not_processed.publication": "要求提供公开出版物",
    "not_processed.mass_repeat": "无正当理由大量反复申请",
    "not_processed.confirm": "要求行政机关确认或重新出具已获取信息",
    "other.no_correction": "申请人无正当理由逾期不补正行政机关不再处理其政府信息公开申请",
    "other.unpaid_fee": "申请人逾期未按收费通知要求缴纳费用行政机关不再处理其政府信息公开申请",
    "carried_out": "结转下年度继续办理",
}
LOOSE_LABEL_MIN = 5  # characters; shorter labels are matched by their patterns only
LOOSE_LABEL_SHARE = 0.7  # of the printed label's characters, in order
# Table 三's first row label, with and without its numbering: a row's worth of numbers printed
# before that label, with not even its beginning before them, shows a text layer that prints
# numbers before their labels (template.read_apply withholds its rows); "一 0 0 … 、本年新收…" or
# "一、本年新 0 0 … 收政府…" is the label broken around its numbers, not that.
APPLY_FIRST_ROW = ("一、本年新收政府信息公开申请数量", "本年新收政府信息公开申请数量")
# Rows with a generic label, taken only as the very next row (see template._assign_rows).
GENERIC_ROWS = ("other.other", "handled")
# ...unless the label is printed with its template number, which no stray word
# carries: "(七)总计" after an all-blank (六)其他处理 row is still (七)总计.
GENERIC_NUMBERED = {"handled": r"\(七\)总计"}
# Rows whose sum is (七)总计, per column (the rest are new/carried_in/handled/carried_out).
APPLY_INPUT_ROWS = ("new", "carried_in")
APPLY_SUMMARY_ROWS = ("new", "carried_in", "handled", "carried_out")
# Group totals the extractor derives (flagged derived) from their numbered sub-rows, per template
# version: a group's rows are that version's APPLY_ROWS keys "<group>.*" (template.derived_groups).
APPLY_DERIVED_GROUPS = {
    "std-2021": ("withheld", "unavailable", "not_processed"),
    "std-2019": ("withheld", "unavailable", "not_processed"),
}

# Which template table a metric key belongs to (by key prefix).
TEMPLATE_TABLES = {"t2": ("proactive.",), "t3": ("apply.",), "t4": ("reconsideration.", "litigation.")}

# ---------------------------------------------------------------- table 四
REVIEW_BLOCKS = ["reconsideration", "litigation.direct", "litigation.after_reconsideration"]
REVIEW_COLS = ["upheld", "corrected", "other", "pending", "total"]

# ---------------------------------------------------------------- table 二
# Where table 二 starts: its "第二十条第(X)项" rows, or a header row naming its
# columns (reports that leave out the 第二十条 rows, text cut at a page break).
PROACTIVE_START = r"第二十条|信息内容[ \t|]*(?:本年制发件数|本年新制作数量|本年处理决定数量|上一年项目数量|本年收费金额|采购项目数量)"
# (label pattern, key prefix, columns, unit) per version; the numbers follow the label.
# (Traditional mirrors convert 文件 to the Taiwanese 檔案 / 文檔: "規範性檔案", "規範性文檔".)
PROACTIVE_ROWS = {
    "std-2021": [
        (r"规章", "proactive.rules", ["issued", "repealed", "in_force"], "件"),
        (r"规范性(?:文件|文档|档案)", "proactive.normative", ["issued", "repealed", "in_force"], "件"),
        (r"行政许可", "proactive.licensing", ["decisions"], "件"),
        (r"行政处罚", "proactive.punishment", ["decisions"], "件"),
        (r"行政强制", "proactive.enforcement", ["decisions"], "件"),
        (r"行政事业性收费", "proactive.fees", ["amount"], "万元"),
    ],
    "std-2019": [
        (r"规章", "proactive.rules", ["made", "published", "total"], "件"),
        (r"规范性(?:文件|文档|档案)", "proactive.normative", ["made", "published", "total"], "件"),
        (r"行政许可", "proactive.licensing", ["prev", "delta", "decisions"], "件"),
        (r"其他对外管理服务事项", "proactive.services", ["prev", "delta", "decisions"], "件"),
        (r"行政处罚", "proactive.punishment", ["prev", "delta", "decisions"], "件"),
        (r"行政强制", "proactive.enforcement", ["prev", "delta", "decisions"], "件"),
        (r"行政事业性收费", "proactive.fees", ["prev", "delta"], "项"),
        (r"政府集中采购", "proactive.procurement", ["items", "amount"], None),
    ],
}
# A column whose unit differs from its row's.
COLUMN_UNITS = {("proactive.procurement", "items"): "项"}
# Money cells in 元 or 万元 as the report says: "region" when a "单位：万元" note over
# the table says so, "after" when 万 follows the number or the column's header names its unit
# ("采购总金额(万元)": MONEY_HEADER_UNIT).
STATED_MONEY_UNITS = {("proactive.fees", "amount"): "region", ("proactive.procurement", "amount"): "after"}
MONEY_HEADER_UNIT = r"金额\s*[(（]\s*(?:单位[::]?\s*)?(万元|元)\s*[)）]"

# ---------------------------------------------------------------- legacy 附表
# Annex (指标统计表) row labels, matched at the start of the label after a
# leading "其中:" / "1." is removed. First match wins, so specific labels first.
ANNEX_ROWS = [
    (r"全文电子化", "proactive.electronic"),
    (r"主动公开(?:政府)?(?:信息|文件)(?:总)?数", "proactive.total"),
    (r"(?:受理)?(?:依申请公开)?(?:信息)?申请总数|受理(?:政府信息)?依申请公开(?:信息)?总数|依申请公开(?:信息)?总数"
     r"|收到(?:政府信息公开)?申请(?:总)?数", "apply.new.total"),
    (r"当面申请", "apply.channel.in_person"),
    (r"传真申请", "apply.channel.fax"),
    (r"电子邮件申请|电子邮箱申请", "apply.channel.email"),
    (r"网上申请|网络申请", "apply.channel.online"),
    (r"信函申请|信件申请", "apply.channel.letter"),
    (r"其他形式申请|其它形式申请", "apply.channel.other"),
    (r"对申请的答复(?:总)?数|答复总数|申请答复(?:总)?数", "apply.answered.total"),
    (r"同意部分公开|部分公开答复", "apply.partial.total"),
    (r"同意公开答复|同意公开", "apply.disclosed.total"),
    (r"不予公开答复|否决公开|不同意公开", "apply.withheld.total"),
    (r"(?:申请(?:的)?)?信息不存在", "apply.not_exist.total"),
    (r"非本机关|不属于本(?:行政)?机关", "apply.not_this_agency.total"),
    (r"申请内容不明确", "apply.unclear.total"),
    (r"网上咨询", "consult.online"),
    (r"现场(?:接待|咨询)", "consult.onsite"),
    (r"咨询电话接听|电话咨询", "consult.phone"),
    (r"网站(?:专栏)?(?:页面)?访问量", "consult.site_visits"),
    (r"行政复议(?:案件)?数", "reconsideration.total"),
    (r"行政诉讼(?:案件)?数", "litigation.total"),
    (r"行政申诉(?:案件)?数|申诉数", "appeal.total"),
]

# The old provincial 政府信息公开情况统计表 (Fujian and others, 2008-2017): a
# header "指标名称 计量单位 2012年度 历年累计", then label, unit, this year's
# value and the running total per row. Rows use the ANNEX_ROWS labels above;
# "信函、传真申请数", "行政申诉、举报数" (two things in one row) match none.
# (cells of the header are often broken by spaces: "计量 单位 2011 年度")
INDICATOR_HEADER = r"指\s*标\s*名\s*称\s*计\s*量\s*单\s*位\s*(?:\d{4}\s*年\s*度?|本\s*年\s*度?)\s*(?:历\s*年\s*)?累\s*计"
# The units a table gives its counts and amounts in: a cell that is only one of these is
# a unit column (annex.py), and one stands between an indicator row's label and values.
UNITS = ["条", "件", "个", "人次", "宗次", "宗", "次", "元", "万元", "份", "项", "人", "批次"]
INDICATOR_UNITS = "|".join(UNITS)

# ---------------------------------------------------------------- prose
# A sentence that speaks of applications (申请), unless it counts information items by how they
# were published: in "主动公开信息734条,依申请公开信息12条,不予公开信息27条" (the old reports'
# 信息公开情况) no figure is an answer to applications ("收到依申请公开信件27件,不予公开政府信息
# 1条" still is).
APPLICATIONS = r"^(?!.*依申请公开(?:的)?(?:政府)?信息\d+条).*申请"

# A figure in a sentence: NUM is replaced by the number pattern (Arabic or
# Chinese numerals, with an optional 余/多 marking an approximate figure).
# (key, pattern, unit, the sentence must also mention)
PROSE_FIGURES = [
    # "其他应主动公开政府信息856条" names a category, not the total; so do
    # "主动公开政府采购项目信息188条" and "主动公开政府信息的主要类别有:机构职能类信息594条":
    # only who published may stand between 主动公开 and 信息 ("我区各级单位政府信息",
    # "各类政府信息", "各类信息")
    # (and "主动公开政府信息数144条")
    ("proactive.total", r"(?<!应)主动公开(?:[^,;。:\d]{0,12}?(?:政府|政务|各类))?(?:政府|政务)?信息数?(?:共计?|总数为?|达)?NUM条", "条", None),
    ("proactive.total", r"公开[^,;。\d]{0,10}?共(?:发布|公开|公布)(?:各类)?(?:政府)?信息NUM条", "条", None),
    # "主动公开总数146条", "政务信息公开主动公开总数146条" (a total by its name)
    ("proactive.total", r"(?<!应)主动公开(?:政府|政务)?(?:信息)?总数(?:为|达|共)?NUM条", "条", None),
    # "主动在门户网站公开政府信息50条": where, then 政府/政务信息 (not "公开财政信息N条", a category)
    ("proactive.total", r"(?<!应)主动在[^,;。\d]{1,12}?公开(?:政府|政务)信息(?:共计?)?NUM条", "条", None),
    # "主动发布各类政府信息N条", "审核发布各类公开政府信息N条", "主动公布政府信息共计304条"
    # (not "发布…信息" of one channel)
    ("proactive.total", r"(?:主动|审核)(?:发布|公布)(?:各类)?(?:公开)?(?:政府|政务)?信息(?:共计?)?NUM条", "条", None),
    # 受理…申请N件, where the words between say it is a disclosure application
    # (not "受理申请121510件" at a service hall); no quotes ("三个一" is not a count)
    # (not "受理有关政府信息公开事务的行政复议申请0件": an application for review)
    ("apply.new.total", r"(?:受理|收到|接到|接收)(?=[^,;。\d]{0,30}?(?:公开|信息))[^,;。\d“”\"]{0,25}?(?<!复议)(?<!诉讼)申请[^,;。\d“”\"]{0,10}?(?:共计?)?NUM(?:件|条|宗)", "件", None),
    # "收到4件针对本部门有关政府信息公开事务的申请"
    ("apply.new.total", r"(?:受理|收到|接到|接收)NUM件(?:[^,;。\d]{0,20}?政府信息公开[^,;。\d]{0,4}?)?申请", "件", None),
    # table 三's row names written out: "全年新收政府信息公开申请数量0件,上年结转政府信息公开申请数量0件"
    ("apply.new.total", r"新收(?:政府信息公开|信息公开)?申请(?:数量|数)?(?:为|共)?NUM件", "件", None),
    ("apply.carried_in.total", r"上年度?结转(?:政府信息公开|信息公开)?(?:申请)?(?:数量|数)?(?:为|共)?NUM件", "件", APPLICATIONS),
    ("apply.channel.online", r"(?:网上|网络|在线|互联网)(?:申请|受理|提交)(?:数|的)?NUM(?:件|条|宗)", "件", None),
    ("apply.channel.letter", r"(?:信件|信函|邮寄)(?:申请|受理)(?:数|的)?NUM(?:件|条|宗)", "件", None),
    ("apply.channel.in_person", r"当面(?:申请|受理|提交)(?:数|的)?NUM(?:件|条|宗)", "件", None),
    ("apply.channel.fax", r"传真(?:申请|受理)(?:数|的)?NUM(?:件|条|宗)", "件", None),
    ("apply.channel.email", r"电子邮件(?:申请|受理)(?:数|的)?NUM(?:件|条|宗)", "件", None),
    # "同意公开答复数17条": the 答复数 rows of the old provincial 统计表, written out in prose.
    # (the sentence must speak of applications: APPLICATIONS)
    ("apply.disclosed.total", r"(?:予以公开|同意公开(?:答复数)?|属于公开范围(?:的)?(?:信息)?)NUM(?:件|条|宗)", "件", APPLICATIONS),
    # a bare "公开信息219条" only after the applications it answers ("受理信息公开申请223条,…,公开信息
    # 219条"); before them it counts published items ("在门户网站公开信息77条,收到1份…申请"), and
    # never "主动公开信息734条"
    ("apply.disclosed.total", r"(?<!依)申请[^。]*?(?<![不更新动])公开信息NUM(?:件|条|宗)", "件", APPLICATIONS),
    # not "予以公开及部分公开42件", "予以公开或部分公开59件" (two outcomes counted together)
    ("apply.partial.total", r"(?<![及和与、或])(?<!或者)部分公开(?:答复数|的)?(?:信息)?NUM(?:件|条|宗)", "件", APPLICATIONS),
    ("apply.withheld.total", r"(?:不予公开|否决公开)(?:答复数|的)?(?:政府)?(?:信息)?NUM(?:件|条|宗)", "件", APPLICATIONS),
    ("apply.not_exist.total", r"信息不存在(?:的)?NUM(?:件|条|宗)", "件", APPLICATIONS),
    ("apply.not_this_agency.total", r"非本(?:机关|部门|单位)(?:政府信息|掌握)?(?:的)?NUM(?:件|条|宗)", "件", APPLICATIONS),
    ("apply.unclear.total", r"内容不明确(?:的)?NUM(?:件|条|宗)", "件", APPLICATIONS),
    # "答复总数21条"; not "同意公开答复数17条" / "其它公开答复数2条" (one kind of answer)
    # "转下一年度办理答复的有N件", "结转至2026年6件", "结转下年度继续办理3件"
    ("apply.carried_out.total", r"(?:(?<!上年)结转|转入|转)(?:至|到)?(?:下一?个?年度?|(?:19|20)\d{2}年度?)(?:继续)?(?:办理)?(?:答复)?(?:的)?(?:有|共)?NUM件",
     "件", r"申请|答复"),
    # the number first: "已办结12件,2件结转下年办理"
    ("apply.carried_out.total", r"NUM件(?:申请)?(?:结转|转入|转)(?:至|到)?下一?个?年度?(?:继续)?办理", "件", r"申请|答复"),
    # (the sentence must speak of applications: "县长信箱收到信件,183条,答复183条" answers letters)
    ("apply.answered.total", r"(?<!不予)(?<!公开)答复(?:申请)?(?:总数|数)?(?:共|为)?NUM(?:件|条|宗)", "件", APPLICATIONS),
    ("reconsideration.total", r"行政复议(?:案件|案|申请)?(?:共)?NUM(?:件|起|宗|个)", "件", None),
    ("litigation.total", r"行政诉讼(?:案件|案)?(?:共)?NUM(?:件|起|宗|个)", "件", None),
    ("appeal.total", r"申诉(?:案件)?(?:共)?NUM(?:件|起|宗|个)", "件", None),
    ("fees.total", r"收取[^,;。\d]{0,20}?费(?:用)?(?:共计?)?NUM元", "元", None),
    ("consult.online", r"(?<![和及、与])网上咨询(?:数)?NUM人次", "人次", None),
    ("consult.onsite", r"(?<![和及、与])现场(?:接待|咨询)(?:人数)?NUM人次", "人次", None),
    ("consult.phone", r"(?<![和及、与])电话咨询(?:数)?NUM(?:人次|个)", "人次", None),
]

# A running total since the agency began ("本单位到目前累计主动公开政府信息100条", "历年累计"): no
# figure of the year, whatever key it would be. ("全年累计", "今年累计", "2023年…累计" are the year's.)
RUNNING_TOTAL = r"(?:到目前|截至目前|截止目前|至今|迄今|历年)(?:为止)?[^,;。\d]{0,6}?累计|累计至今"

# Totals a figure cannot be when a sibling figure follows it in an enumeration: in
# "主动公开政府信息88条、规范性文件2条、财政信息2条…" the 88 is one category of a breakdown.
PROSE_NOT_LIST_ITEM = ("proactive.total",)
LIST_SIBLING_AFTER = r"、[^,;。、\d]{1,20}?\d+(?:\.\d+)?(?:余|多)?(?:条|件|篇|个|项)"

# A clause that opens with these words states a part of what the clause before stated; other
# ";"-clauses of one sentence that state the same metric with another number are parallel parts
# ("2022年政府新收…予以公开2件;部门新收…予以公开1件"): no figure of that metric is stored.
PART_OPENING = r"(?:其中|包括|含|另有|此外)"
# ...for the application figures only: a "共发布信息X条,其中…;各县区发布信息Y条" sentence states the
# whole first and then a part, so proactive.total keeps its first statement.
PARALLEL_PART_KEYS = ("apply.",)

# An explicit zero: a negation stated of the metric in the same clause.
ZERO_NEGATIONS = r"未发生|没有发生|未收到|未受理|没有受理|没有收到|未出现|没有出现|未有|未接到"
ZERO_AFTER = r"(?:案件|案|情况|的情况)?(?:数|数量)?(?:均|都)?为(?:零|0)"
# A negation is a zero only of the noun phrase it negates: after the metric's word
# comes its head noun, a conjunction joining another metric, or the clause's end.
# "未发生因依申请公开被行政复议纠错或行政诉讼败诉情形" negates corrections and lost
# cases (复议 is followed by 纠错, 诉讼 by 败诉), not the number of reconsiderations.
ZERO_HEAD_AFTER = (r"(?:(?:政府)?(?:信息)?公开)?(?:的)?(?:案件|案|申请|请求|事项|事件|情况|情形|等情况|等情形|等事件|等案件)?(?:数|数量)?"
                   r"(?:[和或及与、]|或者|[.!?]?$)")
# Legacy prose keys and the template-table keys they are the sum of: when the table
# states them, a prose figure that disagrees is dropped (the table wins) with a check.
PROSE_TABLE_SUMS = {
    "reconsideration.total": ("reconsideration.total",),
    "litigation.total": ("litigation.direct.total", "litigation.after_reconsideration.total"),
}
# (key, word that names the metric in such a clause, words that must not be near it)
ZERO_METRICS = [
    ("reconsideration.total", r"复议", None),
    ("litigation.total", r"诉讼", None),
    ("appeal.total", r"申诉", None),
    ("apply.new.total", r"申请", r"复议|诉讼|申诉"),
]
# Fees: "未收取费用", "均未收费", "无收取信息处理费情况", "未收取任何费用",
# "依申请提供政府信息暂不收费" (a 不收费 said of providing information on request),
# "未发生收费情况", "未发生政府信息公开收费事项" (a zero of the fee metric only).
FEES_ZERO = r"(?:未|没有)(?:发生|产生)[^,;。\d]{0,12}?收(?:取)?费|(?:未|没有|无)(?:向[^,;。]{0,12})?(?:对[^,;。]{0,20})?收(?:取)?(?:任何)?(?:[^,;。\d]{0,10})?费|收费(?:金额)?为(?:零|0)|申请[^,;。]{0,12}?(?:暂|均|一律)不收(?:取)?费"
