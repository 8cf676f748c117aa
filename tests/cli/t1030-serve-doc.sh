#!/bin/sh
# t1030-serve-doc: the server's documents stay true to the build.
#  1. docs/api.md is exactly `tianyan serve --api-md` (generated from the route
#     and error tables);
#  2. the block between the "GENERATED: tianyan serve --config-md" markers of
#     docs/server.md is exactly `tianyan serve --config-md` (the settings table);
#  3. the OpenAPI document is valid JSON, names every route of the reference,
#     every $ref in it resolves to a schema it defines, and a real OpenAPI
#     validator accepts it (@apidevtools/swagger-parser, installed by
#     scripts/install-deps into .deps/npm).
# On failure the diff is shown with the command that regenerates the file.
. "$TY_SOURCE/tests/cli/lib.sh"

API="$TY_SOURCE/docs/api.md"
SERVER="$TY_SOURCE/docs/server.md"
BEGIN_GEN='<!-- BEGIN GENERATED: tianyan serve --config-md -->'
END_GEN='<!-- END GENERATED: tianyan serve --config-md -->'

"$TIANYAN" serve --api-md > api.md
expect_status "serve --api-md" $? 0
if [ -s api.md ] && cmp -s api.md "$API"; then ok; else
    bad "docs/api.md differs from \`tianyan serve --api-md\`:"
    diff -u "$API" api.md | sed 's/^/    /' >&2
    echo "    Regenerate it with: build/tianyan serve --api-md > docs/api.md" >&2
fi

"$TIANYAN" serve --config-md > conf.md
expect_status "serve --config-md" $? 0
expect_eq "begin marker" "$(grep -cxF -- "$BEGIN_GEN" "$SERVER")" 1
expect_eq "end marker" "$(grep -cxF -- "$END_GEN" "$SERVER")" 1
awk -v b="$BEGIN_GEN" -v e="$END_GEN" '$0 == e { inb = 0 } inb { print } $0 == b { inb = 1 }' "$SERVER" > embedded.md
if [ -s conf.md ] && cmp -s conf.md embedded.md; then ok; else
    bad "the settings table of docs/server.md differs from \`tianyan serve --config-md\`:"
    diff -u embedded.md conf.md | sed 's/^/    /' >&2
    cat >&2 <<EOT
    Regenerate it with:
    build/tianyan serve --config-md > /tmp/conf.md && awk -v f=/tmp/conf.md '\$0=="$END_GEN"{skip=0} !skip{print} \$0=="$BEGIN_GEN"{while((getline l < f)>0) print l; skip=1}' docs/server.md > /tmp/server.md && mv /tmp/server.md docs/server.md
EOT
fi

"$TIANYAN" serve --openapi > openapi.json
expect_eq "valid JSON" "$(sqlite3 :memory: "SELECT json_valid(readfile('openapi.json'))")" 1
# every route of the reference is an operation of the document, and back
grep -E '^\| (GET|POST|DELETE|PUT|PATCH) \| `' api.md | awk -F'|' '{ gsub(/[ `]/, "", $2); gsub(/[ `]/, "", $3); print $2 " " $3 }' | sort > routes-md.txt
sqlite3 :memory: "SELECT upper(m.key) || ' ' || p.key FROM json_each(readfile('openapi.json'), '\$.paths') p, json_each(p.value) m" | sort > routes-openapi.txt
if [ "$(wc -l < routes-md.txt)" -ge 13 ] && cmp -s routes-md.txt routes-openapi.txt; then ok; else
    bad "routes of docs/api.md and the OpenAPI document differ:"
    diff -u routes-md.txt routes-openapi.txt | sed 's/^/    /' >&2
fi
# every $ref points at a defined schema
grep -o '"\$ref": *"#/components/schemas/[A-Za-z]*"' openapi.json | sed 's/.*schemas\/\([A-Za-z]*\)"/\1/' | sort -u > refs.txt
sqlite3 :memory: "SELECT key FROM json_each(readfile('openapi.json'), '\$.components.schemas')" | sort -u > schemas.txt
if [ -s refs.txt ] && [ -z "$(comm -23 refs.txt schemas.txt)" ]; then ok; else
    bad "references to undefined schemas: $(comm -23 refs.txt schemas.txt | tr '\n' ' ')"
fi

VALIDATOR="$TY_SOURCE/.deps/npm/node_modules/@apidevtools/swagger-parser"
if [ ! -d "$VALIDATOR" ]; then
    bad "the OpenAPI validator is not installed (run scripts/install-deps; tests never skip)"
else
    node -e 'require(process.argv[1]).validate(process.argv[2]).then(
        a => console.log("valid: " + a.info.title),
        e => { console.error(e.message); process.exit(1); })' "$VALIDATOR" "$PWD/openapi.json" > validate.out 2>&1
    if [ $? -eq 0 ]; then ok; else
        bad "the OpenAPI validator refuses the document:"
        sed 's/^/    /' validate.out >&2
    fi
fi
finish
