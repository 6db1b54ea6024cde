#!/bin/sh
# Assembles a minimal root filesystem holding only what Python needs to run (no shell,
# no package manager, no compilers): the interpreter, its standard library without tests
# and tools, the shared libraries they load, Debian's CA bundle, and users root and
# nonroot (65532). Runs inside the builder stage; the final stage copies the result.
set -eu
R=${1:?usage: runtime-root.sh DEST}
PY=python3.11
LIB=/usr/lib/$PY

mkdir -p "$R/usr/bin" "$R/usr/lib" "$R/usr/lib64" "$R/etc/ssl/certs" "$R/tmp" "$R/data"
# Debian merges /lib into /usr/lib; keep the same links so every path resolves the same.
ln -s usr/lib "$R/lib"
ln -s usr/lib64 "$R/lib64"
ln -s usr/bin "$R/bin"
chmod 1777 "$R/tmp"

cp -a "/usr/bin/$PY" "$R/usr/bin/"
ln -s "$PY" "$R/usr/bin/python3"
ln -s "$PY" "$R/usr/bin/python"

# The standard library, compiled ahead (the root filesystem is read-only at run time).
$PY -m compileall -q -j 0 "$LIB" >/dev/null 2>&1 || true
tar -C / -c \
    --exclude="$LIB/test" --exclude="$LIB/idlelib" --exclude="$LIB/tkinter" \
    --exclude="$LIB/turtledemo" --exclude="$LIB/lib2to3" --exclude="$LIB/ensurepip" \
    --exclude="$LIB/pydoc_data" --exclude="$LIB/unittest/test" \
    --exclude="$LIB/config-*" --exclude="$LIB/site-packages" --exclude="$LIB/dist-packages" \
    "${LIB#/}" | tar -C "$R" -x

# Shared libraries: what the interpreter and its extension modules link against, the
# loader, and what manylinux wheels may expect from the system (libstdc++, libgcc_s).
copy_lib() {
    real=$(readlink -f "$1")
    mkdir -p "$R$(dirname "$1")" "$R$(dirname "$real")"
    [ -e "$R$real" ] || cp -a "$real" "$R$real"
    [ "$real" = "$1" ] || [ -e "$R$1" ] || ln -s "$real" "$R$1"
}
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch 2>/dev/null \
    || echo x86_64-linux-gnu)
{
    ldd "/usr/bin/$PY"
    find "$LIB/lib-dynload" -name '*.so' -exec ldd {} \;
} | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u > /tmp/libs
for extra in libgcc_s.so.1 libstdc++.so.6 libm.so.6 libdl.so.2 librt.so.1 libpthread.so.0 \
        libutil.so.1 libresolv.so.2 libnss_files.so.2 libnss_dns.so.2; do
    [ -e "/usr/lib/$multiarch/$extra" ] && echo "/usr/lib/$multiarch/$extra" >> /tmp/libs
done
while read -r lib; do
    copy_lib "$lib"
done < /tmp/libs

# Trust: Debian's CA bundle only (taken before any extra certificate is added).
cp -L /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt"
cp -L /etc/ssl/openssl.cnf "$R/etc/ssl/openssl.cnf"
mkdir -p "$R/usr/lib/ssl"
ln -s /etc/ssl/certs "$R/usr/lib/ssl/certs"
ln -s /etc/ssl/openssl.cnf "$R/usr/lib/ssl/openssl.cnf"
ln -s /etc/ssl/certs/ca-certificates.crt "$R/usr/lib/ssl/cert.pem"

cat > "$R/etc/passwd" <<PASSWD
root:x:0:0:root:/root:/nonexistent
nonroot:x:65532:65532:nonroot:/tmp:/nonexistent
PASSWD
cat > "$R/etc/group" <<GROUP
root:x:0:
nonroot:x:65532:
GROUP
echo "hosts: files dns" > "$R/etc/nsswitch.conf"
chown 65532:65532 "$R/data"
