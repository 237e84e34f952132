/* ---
code: P08
slug: new_vendor
title_zh: 新设即中标
title_en: Contracts with vendors registered shortly before signing
area: procurement
severity: medium
route: 反馈
inputs: [contracts, vendors]
evidence: [vendors, contracts]
entity_type: vendor
what_zh: >-
  供应商成立（工商登记）日期距合同签订日期不足 N 天（默认 90 天），或合同签订时供应商尚未成立。每个供应商一条疑点，列出所有在其成立后 N 天内（含成立前）签订的合同；合同与供应商信息按统一社会信用代码匹配，无代码时按规范化后的单位名称匹配。
why_zh: >-
  刚注册即获得合同的公司往往不具备履约能力和业绩，常见于为承接特定项目临时注册的「壳公司」、由内部人员或其亲属设立的关联公司，或挂靠、转包的中间商。
regulation: >-
  《中华人民共和国政府采购法》第二十二条（供应商应当具有履行合同所必需的设备和专业技术能力、良好的商业信誉和健全的财务会计制度）；《中华人民共和国政府采购法实施条例》第十七条
exclusions_zh: 成立日期恰好早于签订日期 N 天（含）以上的不报；供应商信息中没有成立日期的不报。
params:
  min_days:
    type: int
    default_from: procurement.new_vendor_days
    min: 1
    max: 3650
    description_zh: 供应商成立至合同签订不足此天数即报
template: "供应商{vendor}于{registered_date:date}成立，{gap_desc}，{min_days}天内共签订{n_contracts:int}份合同，合计{amount:money}元"
example_zh: 供应商 2024-03-01 成立，2024-04-15 与本单位签订 260,000 元的服务合同，相隔 45 天，报告。
what_en: Vendor registered fewer than N (90) days before a contract's sign date (or after it); one finding per vendor listing those contracts.
why_en: Freshly registered companies winning contracts are typical of shell or insider-linked vendors.
--- */
WITH vend AS (
    SELECT unit, _key AS v_key, vendor, vendor_norm, vendor_id, registered_date
    FROM vendors
    WHERE registered_date IS NOT NULL
),
hits AS (
    SELECT v.unit, v.v_key, v.vendor, v.vendor_norm, v.registered_date, c.contract_no, c._key AS c_key,
           c.amount, c.sign_date, datediff('day', v.registered_date, c.sign_date) AS gap_days
    FROM vend v
    JOIN (
        -- contracts matched to the vendor record: by credit code, else (either side lacking it) by name
        SELECT v2.v_key, c2.*
        FROM vend v2 JOIN contracts c2 ON c2.unit = v2.unit AND c2.vendor_id = v2.vendor_id
        UNION ALL
        SELECT v2.v_key, c2.*
        FROM vend v2 JOIN contracts c2 ON c2.unit = v2.unit AND c2.vendor_norm = v2.vendor_norm
        WHERE c2.vendor_id IS NULL OR v2.vendor_id IS NULL
    ) c ON c.unit = v.unit AND c.v_key = v.v_key
    WHERE c.sign_date IS NOT NULL
      AND datediff('day', v.registered_date, c.sign_date) < $min_days
),
grp AS (
    SELECT unit, v_key, vendor, vendor_norm, registered_date, count(*) AS n_contracts, sum(amount) AS total,
           min(gap_days) AS first_gap_days, min(sign_date) AS first_sign, max(sign_date) AS last_sign
    FROM hits
    GROUP BY unit, v_key, vendor, vendor_norm, registered_date
)
SELECT g.unit, g.v_key AS finding_key, e.ev_table, e.ev_key, 'vendor' AS entity_type,
       g.vendor_norm AS entity_key, g.total AS amount,
       least(g.registered_date, g.first_sign) AS period_start, g.last_sign AS period_end,
       g.vendor, g.registered_date, g.n_contracts,
       CASE WHEN g.first_gap_days < 0
            THEN concat('成立前', CAST(-g.first_gap_days AS VARCHAR), '天即已签订合同')
            ELSE concat('成立后', CAST(g.first_gap_days AS VARCHAR), '天即签订合同') END AS gap_desc
FROM grp g
JOIN (
    SELECT unit, v_key, 'vendors' AS ev_table, v_key AS ev_key FROM grp
    UNION ALL
    SELECT unit, v_key, 'contracts', c_key FROM hits
) e ON e.unit = g.unit AND e.v_key = g.v_key
