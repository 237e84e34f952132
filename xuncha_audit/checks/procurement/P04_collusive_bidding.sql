/* ---
code: P04
slug: collusive_bidding
title_zh: 围标串标
title_en: Collusive bidding (bid rigging)
area: procurement
severity: high
route: 纪检监察
inputs: [bids, contracts]
evidence: [bids]
entity_type: project
what_zh: >-
  在开标记录中查找串通投标的迹象。同一项目内：① 两家及以上投标人（按统一社会信用代码，无代码按规范化名称区分）的联系电话、联系人（授权代表）、地址（去掉空格标点后比较）、保证金/银行账号、投标 IP 或文件制作机器码相同；② 落标报价与中标报价之比几乎是同一个数（全部落在某一比值的 ±ratio_tolerance 之内，默认 ±1%），且落标人不少于 min_losers 家；③ 两家及以上投标人报价完全相同。同一项目命中的各条合并为一条疑点，证据为涉及的投标记录，并写明命中哪几条。跨项目：④ 同一组（完全相同的）不少于 3 家投标人在不少于 3 个项目中一起投标且中标人轮换（至少两家不同的中标人），单独一条疑点。中标人取开标记录的「是否中标」，未填时以合同台账中该项目编号的供应商为中标人。
why_zh: >-
  投标文件由同一人编制、使用同一电脑或网络上传、保证金从同一账户转出、报价呈规律性差异或完全一致，依法视为串通投标；固定几家公司反复「陪标」、轮流坐庄是围标的典型形态，往往伴随采购人员的利益输送。
regulation: >-
  《中华人民共和国招标投标法》第三十二条（投标人不得相互串通投标报价）；《中华人民共和国招标投标法实施条例》第三十九条、第四十条（不同投标人的投标文件由同一单位或者个人编制、委托同一单位或者个人办理投标事宜、投标文件异常一致或者投标报价呈规律性差异、投标保证金从同一单位或者个人的账户转出的，视为串通投标）；《政府采购货物和服务招标投标管理办法》（财政部令第87号）第三十七条
exclusions_zh: >-
  落标人少于 min_losers 家的项目不做报价比例判断（只有两家落标人时，两者相差不足 2% 的情况很常见）；报价完全相同的投标不计入比例判断；轮流中标只比较完全相同的投标人组合（多一家或少一家即视为不同组合）；只有一家投标人的项目不判断。
method_zh: >-
  比例判断：r_i = 落标报价_i / 中标报价，要求全部 r_i > 1、两两不同，且 (max r − min r) ≤ 2 × ratio_tolerance × (max r + min r)/2，即全部落在中值的 ±ratio_tolerance 之内。轮流中标：按项目的投标人集合（家数、最小/最大名称和名称哈希之和）归组。
rules:
  shared_phone: 联系电话相同
  shared_contact: 联系人（授权代表）相同
  shared_address: 地址相同
  shared_bank_account: 保证金/银行账号相同
  shared_ip: 投标 IP 相同
  shared_fingerprint: 文件制作机器码相同
  constant_ratio: 落标报价与中标价之比几乎相同
  identical_bids: 报价完全相同
  rotating_winner: 同一组投标人在多个项目中轮流中标
params:
  ratio_tolerance:
    type: decimal
    default: 0.01
    min: 0
    max: 0.2
    description_zh: 落标报价/中标报价的比值全部落在同一比值 ± 此比例之内即视为规律性报价
  min_losers:
    type: int
    default: 3
    min: 2
    max: 50
    description_zh: 做报价比例判断所需的最少落标人数
  ring_size:
    type: int
    default: 3
    min: 2
    max: 50
    description_zh: 轮流中标判断中一组投标人的最少家数
  ring_projects:
    type: int
    default: 3
    min: 2
    max: 100
    description_zh: 同一组投标人至少共同出现的项目数
template: "{subject}：{detail}（涉及{n_bidders:int}家投标人，如{bidder_a}、{bidder_b}）"
example_zh: >-
  项目 ZJCG2024-017 的 4 家投标人中，乙公司与丁公司的投标文件机器码均为 3C-52-82-1A-7F-09，且从同一 IP 上传，报告一条疑点，规则为 shared_ip,shared_fingerprint，移送纪检监察机关。
what_en: >-
  Within a project: bidders sharing phone, contact person, address, bank account, upload IP or document fingerprint; losing bids at a near-constant ratio to the winner; identical bids. Across projects: the same set of >= 3 bidders meeting in >= 3 projects with a rotating winner.
why_en: These are the statutory markers of bid rigging under the Bidding Law regulations, art. 39-40.
--- */
WITH bid AS (
    SELECT b.unit, b._key, b.project_code, b.bidder, b.bidder_norm,
           coalesce(b.bidder_id, b.bidder_norm) AS who, b.bid_amount,
           coalesce(b.is_winner, c.contract_no IS NOT NULL) AS is_win,
           b.contact_phone, b.contact_person, b.bank_account,
           nullif(regexp_replace(lower(coalesce(b.address, '')), '[^\p{L}\p{N}]+', '', 'g'), '') AS address_n,
           nullif(trim(b.bid_ip), '') AS bid_ip,
           nullif(upper(regexp_replace(coalesce(b.doc_fingerprint, ''), '[^0-9A-Za-z]+', '', 'g')), '') AS fp
    FROM bids b
    LEFT JOIN (
        SELECT unit, project_code, vendor_norm, min(contract_no) AS contract_no
        FROM contracts
        WHERE project_code IS NOT NULL
        GROUP BY unit, project_code, vendor_norm
    ) c ON c.unit = b.unit AND c.project_code = b.project_code AND c.vendor_norm = b.bidder_norm
    WHERE b.project_code IS NOT NULL
),
attrs AS (
    SELECT unit, _key, project_code, who, 'shared_phone' AS rule, contact_phone AS val FROM bid WHERE contact_phone IS NOT NULL
    UNION ALL
    SELECT unit, _key, project_code, who, 'shared_contact', contact_person FROM bid WHERE contact_person IS NOT NULL
    UNION ALL
    SELECT unit, _key, project_code, who, 'shared_address', address_n FROM bid WHERE address_n IS NOT NULL
    UNION ALL
    SELECT unit, _key, project_code, who, 'shared_bank_account', bank_account FROM bid WHERE bank_account IS NOT NULL
    UNION ALL
    SELECT unit, _key, project_code, who, 'shared_ip', bid_ip FROM bid WHERE bid_ip IS NOT NULL
    UNION ALL
    SELECT unit, _key, project_code, who, 'shared_fingerprint', fp FROM bid WHERE fp IS NOT NULL
    UNION ALL
    SELECT unit, _key, project_code, who, 'identical_bids', CAST(bid_amount AS VARCHAR) FROM bid
    WHERE bid_amount IS NOT NULL AND bid_amount > 0
),
shared_vals AS (
    SELECT unit, project_code, rule, val
    FROM attrs
    GROUP BY unit, project_code, rule, val
    HAVING count(DISTINCT who) >= 2
),
shared AS (
    SELECT a.unit, a._key, a.project_code, a.rule
    FROM attrs a
    JOIN shared_vals s ON s.unit = a.unit AND s.project_code = a.project_code AND s.rule = a.rule AND s.val = a.val
),
win AS (
    SELECT unit, project_code, min(bid_amount) AS win_amount
    FROM bid
    WHERE is_win AND bid_amount > 0
    GROUP BY unit, project_code
    HAVING count(DISTINCT who) = 1
),
ratios AS (
    SELECT b.unit, b.project_code, b.bid_amount / w.win_amount AS r
    FROM bid b JOIN win w ON w.unit = b.unit AND w.project_code = b.project_code
    WHERE NOT b.is_win AND b.bid_amount IS NOT NULL
),
const_proj AS (
    SELECT unit, project_code
    FROM ratios
    GROUP BY unit, project_code
    HAVING count(*) >= $min_losers AND count(DISTINCT r) = count(*) AND min(r) > 1
       AND max(r) - min(r) <= 2 * $ratio_tolerance * (max(r) + min(r)) / 2
),
proj_ev AS (
    SELECT unit, _key, project_code, rule FROM shared
    UNION ALL
    SELECT b.unit, b._key, b.project_code, 'constant_ratio'
    FROM bid b JOIN const_proj p ON p.unit = b.unit AND p.project_code = b.project_code
),
proj_f AS (
    SELECT e.unit, e.project_code,
           concat_ws('；',
               max(CASE WHEN e.rule = 'shared_phone' THEN '投标人联系电话相同' END),
               max(CASE WHEN e.rule = 'shared_contact' THEN '联系人（授权代表）相同' END),
               max(CASE WHEN e.rule = 'shared_address' THEN '地址相同' END),
               max(CASE WHEN e.rule = 'shared_bank_account' THEN '保证金/银行账号相同' END),
               max(CASE WHEN e.rule = 'shared_ip' THEN '投标IP相同' END),
               max(CASE WHEN e.rule = 'shared_fingerprint' THEN '文件制作机器码相同' END),
               max(CASE WHEN e.rule = 'identical_bids' THEN '投标报价完全相同' END),
               max(CASE WHEN e.rule = 'constant_ratio' THEN '落标报价与中标价之比几乎相同（规律性报价）' END)
           ) AS detail,
           count(DISTINCT b.who) AS n_bidders, min(b.bidder) AS bidder_a, max(b.bidder) AS bidder_b,
           sum(CASE WHEN b.is_win THEN b.bid_amount END) AS win_amount
    FROM proj_ev e
    JOIN bid b ON b.unit = e.unit AND b._key = e._key
    GROUP BY e.unit, e.project_code
),
proj_dates AS (
    SELECT unit, project_code, min(sign_date) AS d0, max(sign_date) AS d1, max(amount) AS amount
    FROM contracts
    WHERE project_code IS NOT NULL
    GROUP BY unit, project_code
),
sets AS (
    SELECT unit, project_code,
           concat(CAST(count(DISTINCT who) AS VARCHAR), '|', min(who), '|', max(who), '|',
                  CAST(sum(hash(who)) AS VARCHAR)) AS sig,
           count(DISTINCT who) AS n_set,
           max(CASE WHEN is_win THEN who END) AS winner
    FROM bid
    GROUP BY unit, project_code
),
rings AS (
    SELECT unit, sig
    FROM sets
    WHERE n_set >= $ring_size
    GROUP BY unit, sig
    HAVING count(*) >= $ring_projects AND count(DISTINCT winner) >= 2
),
ring_f AS (
    SELECT r.unit, r.sig, count(DISTINCT s.project_code) AS n_projects, count(DISTINCT s.winner) AS n_winners,
           min(b.bidder) AS bidder_a, max(b.bidder) AS bidder_b, count(DISTINCT b.who) AS n_bidders,
           min(b.bidder_norm) AS first_norm, min(s.project_code) AS first_project
    FROM rings r
    JOIN sets s ON s.unit = r.unit AND s.sig = r.sig
    JOIN bid b ON b.unit = s.unit AND b.project_code = s.project_code
    GROUP BY r.unit, r.sig
)
SELECT DISTINCT e.unit, concat('project|', e.project_code) AS finding_key, 'bids' AS ev_table, e._key AS ev_key,
       'project' AS entity_type, e.project_code AS entity_key,
       coalesce(d.amount, f.win_amount) AS amount, d.d0 AS period_start, d.d1 AS period_end, e.rule,
       concat('项目', e.project_code) AS subject, f.detail, f.n_bidders, f.bidder_a, f.bidder_b
FROM proj_ev e
JOIN proj_f f ON f.unit = e.unit AND f.project_code = e.project_code
LEFT JOIN proj_dates d ON d.unit = e.unit AND d.project_code = e.project_code
UNION ALL
SELECT b.unit, concat('ring|', rf.sig) AS finding_key, 'bids', b._key, 'vendor', rf.first_norm,
       sum(d.amount) OVER (PARTITION BY rf.unit, rf.sig) AS amount,
       min(d.d0) OVER (PARTITION BY rf.unit, rf.sig) AS period_start,
       max(d.d1) OVER (PARTITION BY rf.unit, rf.sig) AS period_end,
       'rotating_winner',
       concat('同一组投标人在', CAST(rf.n_projects AS VARCHAR), '个项目（', rf.first_project, '等）中共同投标') AS subject,
       concat('由', CAST(rf.n_winners AS VARCHAR), '家轮流中标，疑似轮流坐庄、相互陪标'),
       rf.n_bidders, rf.bidder_a, rf.bidder_b
FROM ring_f rf
JOIN sets s ON s.unit = rf.unit AND s.sig = rf.sig
JOIN bid b ON b.unit = s.unit AND b.project_code = s.project_code
LEFT JOIN proj_dates d ON d.unit = s.unit AND d.project_code = s.project_code AND b.is_win
