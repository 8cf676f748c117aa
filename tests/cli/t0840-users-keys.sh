#!/bin/sh
# t0840-users-keys: `tianyan user` and `tianyan key`: the first admin is made
# from the command line with the password on standard input, bad input is
# refused with the reason, a key is printed once and only its hash is stored,
# revoking works by prefix, and every change is in the audit trail.
. "$TY_SOURCE/tests/cli/lib.sh"

DB=u.db
"$TIANYAN" platform --db $DB add haitun > /dev/null
echo "correct horse battery" | "$TIANYAN" user --db $DB add alice --role admin > add.out
expect_status "add admin" $? 0
expect_contains "added" add.out "added admin user alice"
echo "correct horse battery" | "$TIANYAN" user --db $DB add bob --role platform --platform haitun > /dev/null
expect_status "add platform user" $? 0
echo "short" | "$TIANYAN" user --db $DB add carl --role analyst > /dev/null 2> short.err
expect_status "short password" $? 1
expect_contains "why" short.err "password: 12 to 1024 bytes"
echo "correct horse battery" | "$TIANYAN" user --db $DB add dora --role wizard > /dev/null 2> role.err
expect_status "unknown role" $? 2
"$TIANYAN" user --db $DB add erin --role analyst < /dev/null > /dev/null 2> nopw.err
expect_status "no password" $? 2
expect_contains "password on stdin" nopw.err "standard input"
expect_eq "argon2id at rest" "$(sql $DB "SELECT count(*) FROM users WHERE pwhash LIKE '\$argon2id\$%'")" 2

"$TIANYAN" key --db $DB issue --platform haitun --label "nightly feed" > key.txt 2> key.err
expect_status "issue" $? 0
key=$(cat key.txt)
expect_eq "key shape" "$(printf %s "$key" | grep -cE '^tyk_[a-z2-7]{8}_[a-z2-7]{52}$')" 1
expect_contains "shown once" key.err "shown only this once"
secret=${key#tyk_????????_}
expect_eq "only a hash is stored" "$(sql $DB "SELECT count(*) FROM api_keys WHERE hash LIKE '%$secret%' OR prefix LIKE '%$secret%'")" 0
prefix=$(printf %.12s "$key")
"$TIANYAN" key --db $DB list > list.txt
expect_contains "listed by prefix" list.txt "$prefix"
expect_contains "valid" list.txt "valid"
if grep -qF "$secret" list.txt; then bad "the list shows the secret"; else ok; fi
"$TIANYAN" key --db $DB issue --platform nowhere > /dev/null 2> nope.err
expect_status "unknown platform" $? 1
expect_contains "why" nope.err "unknown platform"
"$TIANYAN" key --db $DB revoke "$prefix" > /dev/null
expect_status "revoke" $? 0
"$TIANYAN" key --db $DB list > list2.txt
expect_contains "revoked" list2.txt "revoked"
"$TIANYAN" key --db $DB revoke "$prefix" > /dev/null 2> again.err
expect_status "revoke twice" $? 1

echo "correct horse battery" | "$TIANYAN" user --db $DB disable bob > /dev/null
expect_status "disable" $? 0
expect_eq "audited" "$(sql $DB "SELECT group_concat(action, ',') FROM audit_log")" \
    "platform.add,user.add,user.add,key.issue,key.revoke,user.disable"
"$TIANYAN" audit --db $DB verify > /dev/null
expect_status "audit intact" $? 0
finish
