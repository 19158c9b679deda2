
## Check metadata: title, one-line summary (`list`, README), explanation (`explain`).

check-edition-requirement = Security Center edition
    .summary = manual: Security Center Ultimate (旗舰版) or Host and Container Security is needed
    .explain = Manual step: joining a self-built Kubernetes cluster needs Security Center Ultimate (旗舰版, subscription) or Host and Container Security (pay-as-you-go); other editions do not offer the feature. Nothing on the host shows the edition, so a person must confirm it in the console. Fix: buy or upgrade the edition in the Security Center console before generating the join command.

## edition.requirement

edition-confirm = confirm in the Security Center console that the account has Ultimate (旗舰版) or Host and Container Security (pay-as-you-go)
edition-fix-upgrade = Security Center console → upgrade (升级与降配) to Ultimate if the account has another edition
