# 检查结果之外的报告部分：表格、Markdown 与 JUnit、结论行、进度。
test-nested = { $n } 项：{ $what }

## 运行器：未能运行的检查。

runner-did-not-finish = 检查未完成
runner-needs-failed = 依赖 { $need }，而它失败了：{ $cause }
runner-needs-skipped = 依赖 { $need }，而它被跳过了：{ $cause }
runner-needs-not-selected = 依赖 { $need }，而本次选择未运行它
runner-crashed = 内部错误：检查崩溃（{ $error }）；请将此作为缺陷报告
runner-deadline-passed = 本次运行的 --deadline（{ $deadline }）在此检查完成前已到
runner-signal-before-finish = 在此检查完成前{ $signal }
runner-needs-longer-deadline = 更长的 --deadline（或解决卡住的环节：见它所等待的检查）
runner-needs-uninterrupted = 一次不被中断的运行
signal-interrupt = 被中断（Ctrl-C）
signal-terminate = 被终止（SIGTERM）
signal-hangup = 终端挂断（SIGHUP）
stopped-deadline = 已到 --deadline { $deadline }

## list 与 explain

list-category = 类别
list-verifies = 检查内容
list-footer = 共 { $n } 项检查；`k8sjoin-check explain ID` 说明其中一项。
explain-head = { $id } — { $title }（类别 { $category }）
explain-requires = 依赖：{ $checks }（其中任一项失败或被跳过时，本项跳过）
explain-reads = 读取以下检查的结果：{ $checks }

## 表格（终端输出）

table-region = 地域 { $region }
table-no-region = 未指定地域
table-network = 网络类型 { $network }（{ $source }：{ $reason }）
table-network-unknown = 网络类型未知（{ $reason }）
table-head = k8sjoin-check { $version } · { $region } · { $network }
table-apiserver = API 服务器 { $apiserver }
table-apiserver-via = API 服务器 { $apiserver }，经转发机 { $forwarder }
table-fleet = 由 { $n } 个节点组成的集群（结果仅对各节点自身成立）：{ $nodes }
table-vantage = 检查位置：{ $host }{ $addresses }（结果仅对本机成立）
table-header-status = 状态
table-header-check = 检查项
table-header-message = 说明
table-header-time = 耗时
table-waived-status = { $status }（已豁免）
table-passed = 已通过（{ $n }）：{ $checks }
table-what-to-do = 处理建议：
table-did-not-run = 未运行（得出结论所必需）：
summary-needs-what-the-message-says = 消息中所说的内容（k8sjoin-check explain { $id }）
table-give = 需提供：{ $input }
table-waivers = 豁免：
table-waiver-expired = { $id }（{ $source }）已于 { $expires } 过期：已忽略，其涉及的检查重新计入
table-waiver-stale = { $id }（{ $source }）未匹配本次运行的任何检查：已失效，请删除
table-not-visible = 从本机无法看到：
table-counts = 通过 { $pass }，警告 { $warn }，失败 { $fail }，跳过 { $skip }，人工确认 { $manual } · 门禁 { $gate }（--fail-on { $fail_on }）

## 结论（表格最后一行、Markdown）

verdict-ready = 就绪
verdict-not-ready = 未就绪
verdict-incomplete = 不完整
verdict-exit = 退出码 { $code }
verdict-exit-allowed = 退出码 0（--allow-incomplete）
verdict-one-fails = { $id } 未通过门禁
verdict-many-fail = { $n } 项检查未通过门禁（见上文）
verdict-stopped = 在全部检查完成前{ $stopped }
verdict-one-did-not-run = { $id } 未运行（见上文）
verdict-many-did-not-run = { $n } 项必需的检查未运行（见上文）
verdict-ready-because = 所有必需的检查均已运行，且没有检查未通过门禁
because-not-ready = { $n } 项检查未通过门禁（--fail-on { $fail_on }）：{ $checks }
because-stopped = 没有失败项，但运行提前结束（{ $stopped }）
because-incomplete = 没有失败项，但 { $n } 项必需的检查未运行（{ $checks }）；需提供 { $inputs }
because-ready = 所有必需的检查均已运行，且没有检查触发门禁

## Markdown 与 JUnit

markdown-head = **{ $verdict }** · **k8sjoin-check { $version }**：门禁 **{ $gate }**（--fail-on { $fail_on }）· 通过 { $pass }，警告 { $warn }，失败 { $fail }，跳过 { $skip }，人工确认 { $manual } · 地域 { $region } · 网络类型 { $network } · 检查位置 `{ $vantage }` · { $started }
markdown-network-unknown = 未知
markdown-columns = | 状态 | 检查项 | 说明 | 处理建议 |
markdown-waived = { $status }（已豁免至 { $expires }：{ $reason }）
markdown-did-not-run = `{ $id }` 未运行：{ $reason } — 需提供 { $input }
markdown-waiver-expired = 豁免 `{ $id }`（{ $source }）已于 { $expires } 过期：已忽略
markdown-waiver-stale = 豁免 `{ $id }`（{ $source }）未匹配任何检查：已失效
junit-waived = 已豁免至 { $expires }（{ $source }）：{ $reason }
table-network-source-flag = 参数指定
table-network-source-inferred = 推断

## 各检查共用的措辞

words-and-more = { $list } 等（另有 { $more } 项）

## 进度行（标准错误，仅在终端上）

progress-line = 已完成 { $finished }/{ $total } 项检查 · 正在运行 { $running }
