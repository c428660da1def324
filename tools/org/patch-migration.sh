#!/bin/sh
# Adds the Organizations migration's data moves (owners, key scopes) to each provider's generated migration.
set -e
for f in Speedera.Web/Data/Migrations/*/*_Organizations.cs; do
  grep -q OrganizationsMigrationData "$f" && continue
  python3 - "$f" <<'PY'
import sys, re
p = sys.argv[1]
s = open(p, encoding='utf-8-sig').read()
i = s.index('protected override void Down')
j = s.rindex('        }', 0, i)
s = s[:j] + '\n            Speedera.Web.Features.Organizations.OrganizationsMigrationData.Apply(migrationBuilder);\n' + s[j:]
open(p, 'w', encoding='utf-8-sig').write(s)
PY
done
