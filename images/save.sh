#!/usr/bin/env bash
# `make images-save`: writes each built image as a `docker save` tar, for another runtime
# (a cluster node's containerd: `ctr -n k8s.io images import FILE`; kind: `kind load
# image-archive FILE`). A tar whose image did not change since it was written is kept.
#   images/save.sh [NAME...]     default: every mercado image except the base
# Environment: IMAGES_SAVE_DIR (default ~/.cache/mercado/images/save), IMAGE_REPOSITORY.
set -euo pipefail
REPO=${IMAGE_REPOSITORY:-mercado}
OUT=${IMAGES_SAVE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mercado/images/save}
mkdir -p "$OUT"

mapfile -t tags < <(docker images --format '{{.Repository}}:{{.Tag}}' "$REPO/*" \
    | grep -v -e ':<none>$' -e "^$REPO/debian:" | sort)
if [ $# -gt 0 ]; then
    mapfile -t tags < <(for name in "$@"; do printf '%s\n' "${tags[@]}" | grep "^$REPO/$name:" \
        || { echo "no image $REPO/$name (run make images)" >&2; exit 1; }; done)
fi
[ ${#tags[@]} -gt 0 ] || { echo "no $REPO/* image: run make images first" >&2; exit 1; }

for tag in "${tags[@]}"; do
    file="$OUT/$(echo "${tag#"$REPO"/}" | tr ':' '_').tar"
    id=$(docker image inspect -f '{{.Id}}' "$tag")
    if [ -f "$file" ] && [ "$(cat "$file.id" 2>/dev/null)" = "$id" ]; then
        echo "$file (unchanged)"
        continue
    fi
    docker save -o "$file.tmp" "$tag"
    mv "$file.tmp" "$file"
    echo "$id" > "$file.id"
    echo "$file"
done
