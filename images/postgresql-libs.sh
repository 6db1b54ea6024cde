#!/bin/sh
# Gathers PostgreSQL 15's server files into DEST (lib/, share/) and, in DEST/syslibs, the
# shared libraries they link against that the base image does not already have.
set -eu
D=${1:?usage: postgresql-libs.sh DEST}
mkdir -p "$D/syslibs"
cp -a /usr/lib/postgresql/15 "$D/lib"
cp -a /usr/share/postgresql/15 "$D/share"
rm -rf "$D"/lib/lib/llvmjit* "$D/lib/lib/bitcode" "$D/share/man"
find "$D/lib/bin" "$D/lib/lib" -type f -exec ldd {} \; 2>/dev/null \
    | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u | while read -r lib; do
    owner=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -n1 | cut -d: -f1) || owner=""
    if [ -n "$owner" ] && grep -qx "$owner" /base-packages; then
        continue
    fi
    cp -L "$lib" "$D/syslibs/"
done
# Time zones: this PostgreSQL reads the system's tzdata.
mkdir -p "$D/zoneinfo"
grep -qx tzdata /base-packages || cp -a /usr/share/zoneinfo/. "$D/zoneinfo/"
