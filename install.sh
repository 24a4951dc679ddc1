#!/bin/sh
# Installs mmn without root: picks the binary for this machine from a release folder, checks it
# against the folder's SHA256SUMS, and puts it in ~/.local/bin (or PREFIX/bin) with its manual page.
#
#   curl -fsSL https://github.com/mattermost-notify/mmn/releases/latest/download/install.sh | sh
#   sh install.sh --prefix ~/.local --base-url https://mirror.example.org/mmn/v0.1.0
#   curl -fsSL …/install.sh | sh -s -- --prefix /project/tools
set -eu

DEFAULT_BASE_URL="https://github.com/mattermost-notify/mmn/releases/latest/download"
prefix="${HOME:?HOME is not set}/.local"
base_url="${MMN_BASE_URL:-$DEFAULT_BASE_URL}"

say() { printf 'mmn install: %s\n' "$*"; }
fail() {
	printf 'mmn install: error: %s\n' "$1" >&2
	[ $# -gt 1 ] && printf 'mmn install: %s\n' "$2" >&2
	exit "${3:-1}"
}

usage() {
	cat <<'EOF'
Usage: sh install.sh [--prefix DIR] [--base-url URL]

Installs mmn to DIR/bin (default ~/.local/bin) and its manual page to DIR/share/man/man1,
without root. The binary is the one for this machine (Linux x64 or arm64, glibc or musl,
x64 without AVX2; macOS x64 or arm64), checked against the release's SHA256SUMS.

  --prefix DIR     install under DIR instead of ~/.local
  --base-url URL   the release folder to download from (a site's mirror), instead of
                   $MMN_BASE_URL or the project's latest release
EOF
}

while [ $# -gt 0 ]; do
	case $1 in
	--prefix) [ $# -ge 2 ] || fail "--prefix needs a directory" "" 2; prefix=$2; shift 2 ;;
	--prefix=*) prefix=${1#--prefix=}; shift ;;
	--base-url) [ $# -ge 2 ] || fail "--base-url needs a URL" "" 2; base_url=$2; shift 2 ;;
	--base-url=*) base_url=${1#--base-url=}; shift ;;
	-h | --help) usage; exit 0 ;;
	*) fail "unknown option $1" "see sh install.sh --help" 2 ;;
	esac
done
[ -n "$prefix" ] || fail "--prefix needs a directory" "" 2
# `--prefix=~/x` reaches us unexpanded, and a relative prefix would make a wrong PATH line.
# shellcheck disable=SC2088 # the patterns are a literal tilde
case $prefix in
"~") prefix=$HOME ;;
"~/"*) prefix="$HOME/${prefix#"~/"}" ;;
/*) ;;
*) prefix="$(pwd)/$prefix" ;;
esac
[ -n "$base_url" ] || fail "--base-url needs a URL" "" 2
base_url=${base_url%/}

# The machine, as the release names its binaries: mmn-<os>-<arch>[-musl][-baseline].
os=$(uname -s)
arch=$(uname -m)
case $os in
Linux) os=linux ;;
Darwin) os=darwin ;;
*) fail "mmn has no binary for $os" "there are builds for Linux (x64, arm64) and macOS (x64, arm64); elsewhere use the npm package under Node: npm install -g mattermost-notify" ;;
esac
case $arch in
x86_64 | amd64) arch=x64 ;;
aarch64 | arm64) arch=arm64 ;;
*) fail "mmn has no binary for the $arch processor" "there are builds for x86_64 and arm64 (aarch64)" ;;
esac
# A shell under Rosetta says x86_64 on an arm64 Mac: the native binary is faster.
if [ "$os" = darwin ] && [ "$arch" = x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null)" = 1 ]; then
	arch=arm64
fi

libc=
if [ "$os" = linux ]; then
	if ldd --version 2>&1 | grep -qi musl; then
		libc=-musl
	elif glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null); then
		# glibc 2.17 (CentOS 7) is the oldest the binary runs on.
		version=${glibc#glibc }
		major=${version%%.*}
		minor=${version#*.}
		minor=${minor%%.*}
		case $major.$minor in
		*[!0-9.]* | .* | *.) ;;
		*) if [ "$major" -lt 2 ] || { [ "$major" -eq 2 ] && [ "$minor" -lt 17 ]; }; then
			fail "this system's glibc is $version; mmn needs 2.17 or newer" "on an older system, use the npm package under Node: npm install -g mattermost-notify"
		fi ;;
		esac
	elif ls /lib/ld-musl-* >/dev/null 2>&1; then
		libc=-musl
	fi
fi

# Without AVX2 (older nodes) the default x64 build stops at its first instruction: the baseline one.
# MMN_INSTALL_CPUINFO: another file to read the flags from, for the tests.
cpu=
if [ "$os" = linux ] && [ "$arch" = x64 ]; then
	grep -qw avx2 "${MMN_INSTALL_CPUINFO:-/proc/cpuinfo}" 2>/dev/null || cpu=-baseline
fi
asset="mmn-$os-$arch$libc$cpu.gz"

if command -v curl >/dev/null 2>&1; then
	fetch() { curl -fsSL --retry 2 -o "$2" "$1" </dev/null; }
elif command -v wget >/dev/null 2>&1; then
	fetch() { wget -q -O "$2" "$1" </dev/null; }
else
	fail "neither curl nor wget is installed" "download $base_url/$asset and SHA256SUMS by hand"
fi
if command -v sha256sum >/dev/null 2>&1; then
	sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
	sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
	fail "neither sha256sum nor shasum is installed: the download cannot be checked"
fi

# Our own directory (mktemp makes it 0700): nothing in a shared /tmp is trusted.
work=$(mktemp -d "${TMPDIR:-/tmp}/mmn-install.XXXXXX") || fail "cannot make a temporary directory"
bin_dir="$prefix/bin"
man_dir="$prefix/share/man/man1"
partial=
cleanup() {
	rm -rf "$work"
	[ -z "$partial" ] || rm -f "$partial"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "downloading $asset from $base_url"
fetch "$base_url/SHA256SUMS" "$work/SHA256SUMS" || fail "cannot download $base_url/SHA256SUMS"
expected=$(awk -v f="$asset" '$2 == f || $2 == "*" f { print $1; exit }' "$work/SHA256SUMS")
[ -n "$expected" ] || fail "the release at $base_url has no $asset" "this machine ($os $arch${libc:+ musl}${cpu:+ without AVX2}) has no build there"
fetch "$base_url/$asset" "$work/$asset" || fail "cannot download $base_url/$asset"
actual=$(sha256 "$work/$asset")
[ "$actual" = "$expected" ] || fail "$asset does not match its checksum in SHA256SUMS (expected $expected, got $actual): nothing installed" "the download was damaged or altered; try again, or ask the mirror's keeper"

gzip -dc "$work/$asset" >"$work/mmn" || fail "cannot unpack $asset"
chmod 755 "$work/mmn"
# Piped into sh, the script is our stdin: nothing we start may read it.
version=$("$work/mmn" --version </dev/null 2>/dev/null) || fail "the binary for $os-$arch$libc$cpu does not run on this machine: nothing installed"
"$work/mmn" help --man </dev/null >"$work/mmn.1" 2>/dev/null || fail "the binary cannot print its manual page: nothing installed"

# Written beside its final name, then renamed over it: an interrupted install never leaves half a binary.
mkdir -p "$bin_dir" "$man_dir" || fail "cannot make $bin_dir and $man_dir"
partial="$bin_dir/.mmn.install.$$"
{ cp "$work/mmn" "$partial" && chmod 755 "$partial"; } || fail "cannot write to $bin_dir"
mv -f "$partial" "$bin_dir/mmn" || fail "cannot replace $bin_dir/mmn"
partial="$man_dir/.mmn.1.install.$$"
{ cp "$work/mmn.1" "$partial" && mv -f "$partial" "$man_dir/mmn.1"; } || fail "cannot write $man_dir/mmn.1"
partial=

say "installed mmn $version ($os-$arch$libc$cpu) to $bin_dir/mmn, its manual page to $man_dir/mmn.1"
case ":${PATH:-}:" in
*":$bin_dir:"*) say "next: mmn setup" ;;
*)
	case ${SHELL:-} in
	*/zsh) rc="$HOME/.zshrc" ;;
	*/fish) rc= ;;
	*) rc="$HOME/.bashrc" ;;
	esac
	say "$bin_dir is not on your PATH; to put it there:"
	if [ -n "$rc" ]; then
		printf "  echo 'export PATH=\"%s:\$PATH\"' >> %s && . %s\n" "$bin_dir" "$rc" "$rc"
	else
		printf '  fish_add_path %s\n' "$bin_dir"
	fi
	say "then: mmn setup (and man mmn)"
	;;
esac
