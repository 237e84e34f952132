/* ---
code: R03
slug: travel_class
title_zh: 超标准乘坐交通工具
title_en: Travel class above the rank's entitlement
area: reimbursement
severity: medium
route: 反馈
inputs: [travel_claims, staff, std_transport_classes, std_travel_entitlement, std_rank_ladder]
evidence: [travel_claims]
entity_type: person
what_zh: 报销单「交通工具及等级」文字中识别出的舱位/席别（公务舱、头等舱、商务座、特等座、G字头一等座、软卧等，std_transport_classes 的导出写法，较长的写法优先，如「超级经济舱」不算「经济舱」之外的另一项）高于出差人职级档次（部级/司局级/其他）对该交通工具的最高等级（std_travel_entitlement，出发日期有效）。职级取报销单，缺失时按姓名取花名册。
why_zh: 出差人员应按规定等级乘坐交通工具，未按规定等级乘坐、超支部分由个人自理；超标准乘坐属于违规报销。
regulation: 《中央和国家机关差旅费管理办法》（财行〔2013〕531号）第二章（城市间交通费）第十条（出差人员按职级乘坐交通工具的等级）
exclusions_zh: 职级在报销单和花名册中都认不出时，只按最高档（部级）判断：是否超标不取决于职级时才报告，其余作为数据质量说明（「职级无法识别」，按单位计人数），不作为疑点；同名人员取花名册中的最高职级（从宽）。交通工具文字无法识别的不判断。
rules:
  over_class: 交通工具等级高于职级档次的最高等级
params: {}
template: "{person}（{rank_label}）{depart_date:date}赴{destination}乘坐{classes}，超过其可乘坐的最高等级{entitled}，城市间交通费{amount:money}元"
example_zh: 正处级干部（其他人员档）乘坐 G 字头一等座赴北京，超过其可乘坐的二等座。
what_en: Flight/rail/ship class recognised in the exported class text above the maximum class of the traveller's rank tier.
why_en: Travel classes are fixed by rank tier; a higher class is over-spending.
--- */
WITH
staff_rank AS (
    SELECT s.unit, s.name, l.rank_norm
    FROM staff s JOIN std_rank_ladder l ON l.rank_norm = s.rank_norm
    QUALIFY row_number() OVER (PARTITION BY s.unit, s.name ORDER BY l.ordinal) = 1
),
claims AS (
    SELECT t.unit, t._key, t.claim_no, t.person, t.destination, t.depart_date, t.return_date,
        t.transport_amount, t.transport_class,
        coalesce(t.rank_norm, sr.rank_norm) AS rank_used,
        -- unknown rank: the most generous tier, so a finding never depends on the unknown rank
        CASE WHEN coalesce(t.rank_norm, sr.rank_norm) IS NULL THEN '部级'
             ELSE coalesce(l.travel_tier, '其他') END AS tier
    FROM travel_claims t
    LEFT JOIN staff_rank sr ON sr.unit = t.unit AND sr.name = t.person AND t.rank_norm IS NULL
    LEFT JOIN std_rank_ladder l ON l.rank_norm = coalesce(t.rank_norm, sr.rank_norm)
    WHERE t.transport_class IS NOT NULL
),
class_texts AS (
    SELECT DISTINCT transport_class FROM claims
),
matched AS (
    -- patterns found in each distinct class text (few distinct texts: match them once)
    SELECT x.transport_class, tc.pattern, tc.mode, tc.class_level, tc.class_name
    FROM class_texts x
    JOIN std_transport_classes tc ON position(tc.pattern IN x.transport_class) > 0
),
classes AS (
    -- a pattern that is part of a longer matched pattern (一等座 in G字头一等座) does not count
    SELECT m.* FROM matched m
    WHERE NOT EXISTS (
        SELECT 1 FROM matched m2
        WHERE m2.transport_class = m.transport_class AND m2.pattern <> m.pattern
          AND position(m.pattern IN m2.pattern) > 0
    )
),
over AS (
    SELECT c.unit, c._key, cl.mode, cl.class_level, cl.class_name, e.max_class_name
    FROM claims c
    JOIN classes cl ON cl.transport_class = c.transport_class
    JOIN std_travel_entitlement e
      ON e.tier = c.tier AND e.mode = cl.mode
     AND c.depart_date >= e.effective_from AND (e.effective_to IS NULL OR c.depart_date <= e.effective_to)
    WHERE cl.class_level > e.max_class_level
),
per_claim AS (
    SELECT unit, _key,
        array_to_string(list_sort(list(DISTINCT mode || class_name)), '、') AS classes,
        array_to_string(list_sort(list(DISTINCT mode || max_class_name)), '、') AS entitled
    FROM over GROUP BY unit, _key
)
SELECT c.unit, c.claim_no AS finding_key, 'travel_claims' AS ev_table, c._key AS ev_key,
    'person' AS entity_type, c.person AS entity_key, CAST(NULL AS VARCHAR) AS _note, c.transport_amount AS amount,
    c.depart_date AS period_start, c.return_date AS period_end, 'over_class' AS rule, c.person AS persons,
    c.person, c.destination, c.depart_date, p.classes, p.entitled,
    CASE WHEN c.rank_used IS NULL THEN '职级无法识别，按最高档（部级）'
         ELSE c.rank_used || '，' || CASE WHEN c.tier = '其他' THEN '其他人员' ELSE c.tier END END AS rank_label
FROM claims c JOIN per_claim p ON p.unit = c.unit AND p._key = c._key
UNION ALL
-- data-quality note (not a finding): claims whose traveller's rank cannot be recognised
SELECT c.unit, c.claim_no, 'travel_claims', c._key, 'person', c.person, '职级无法识别（交通工具等级只按部级标准判断）',
    c.transport_amount, c.depart_date, c.return_date, 'over_class', c.person, c.person, c.destination,
    c.depart_date, NULL, NULL, NULL
FROM claims c
WHERE c.rank_used IS NULL
