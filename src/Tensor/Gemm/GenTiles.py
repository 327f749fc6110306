#!/usr/bin/env python3
"""Writes GemmTiles.cs: the unrolled register-tile kernels of MiniTorch's GEMM. Run from this folder after editing.

A tile kernel keeps an R x V-vector block of C in registers (R rows of op(A), V SIMD vectors of op(B) columns) and, for
each k, loads V vectors of B, broadcasts R values of A and issues R*V fused multiply-adds. Every element is computed as
acc = 0; acc = fma(a_p, b_p, acc) for p = 0..kc-1; then C = acc or C = D + acc (D: an addend read with its own row
stride ldd, which is C itself to accumulate, or a bias row with ldd = 0), whatever the tile shape, so an element's value
does not depend on which kernel computes it. (Fma is GemmKernels' per-width helper; the Vector128 one multiplies
and adds separately on x64 without FMA, for every 128-bit tile alike.) Vector512, Vector256 and Vector128 tiles are
generated; GemmKernels picks the widest width the runtime accelerates.
"""

UNROLL = 1  # k-loop unrolling; 2 measured no faster on the AVX-512 Xeon

def tile(vec, rows, nv, name, row_mode):
    V = f"{vec}<T>"
    L = []
    if row_mode:
        L.append(f"    /// <summary>{rows}×{nv}-vector tile reading op(A) in place from {rows} rows of A (row stride aRs, k contiguous); all {rows} rows must exist.</summary>")
        L.append("    [MethodImpl(MethodImplOptions.AggressiveOptimization)]")
        L.append(f"    private static void {name}(int kc, T* a, nint aRs, T* b, nint bKs, T* c, nint ldc, int nr, T* d, nint ldd)")
    else:
        L.append(f"    /// <summary>{rows}×{nv}-vector tile; op(A) gives {rows} contiguous values per k step (stride aKs); stores mr ≤ {rows} rows.</summary>")
        L.append("    [MethodImpl(MethodImplOptions.AggressiveOptimization)]")
        L.append(f"    private static void {name}(int kc, T* a, nint aKs, T* b, nint bKs, T* c, nint ldc, int mr, int nr, T* d, nint ldd)")
    L.append("    {")
    L.append(f"        int w = {V}.Count;")
    for i in range(rows):
        L.append("        " + " ".join(f"{V} c{i}_{j} = default;" for j in range(nv)))
    if row_mode:
        bases = list(range(0, rows, 3))
        L.append("        nint r2 = 2 * aRs;")
        L.append("        " + " ".join(f"T* a{bi} = a + {bi} * aRs;" if bi else "T* a0 = a;" for bi in bases))
    def step(indent, u):
        out = []
        for j in range(nv):
            out.append(f"{indent}var b{j}{u} = {vec}.Load(b{' + ' + str(j) + ' * w' if j else ''});")
        for i in range(rows):
            src = f"a{(i // 3) * 3}[{['0', 'aRs', 'r2'][i % 3]}]" if row_mode else f"a[{i}]"
            st = f"{indent}av = {vec}.Create({src});"
            for j in range(nv):
                st += f" c{i}_{j} = Fma(av, b{j}{u}, c{i}_{j});"
            out.append(st)
        if row_mode:
            out.append(indent + " ".join(f"a{bi}++;" for bi in range(0, rows, 3)))
        else:
            out.append(f"{indent}a += aKs;")
        out.append(f"{indent}b += bKs;")
        return out
    L.append(f"        {V} av;")
    L.append("        int p = 0;")
    if UNROLL > 1:
        L.append(f"        for (; p + {UNROLL - 1} < kc; p += {UNROLL})")
        L.append("        {")
        for u in range(UNROLL):
            L += step("            ", f"_{u}")
        L.append("        }")
    L.append("        for (; p < kc; p++)")
    L.append("        {")
    L += step("            ", "")
    L.append("        }")
    full = f"nr == {nv} * w" if row_mode else f"mr == {rows} && nr == {nv} * w"
    L.append(f"        if ({full})")
    L.append("        {")
    L.append("            if (d == null)")
    L.append("            {")
    for i in range(rows):
        L.append("                " + " ".join(f"c{i}_{j}.Store(c + {i} * ldc{' + ' + str(j) + ' * w' if j else ''});" for j in range(nv)))
    L.append("            }")
    L.append("            else")
    L.append("            {")
    for i in range(rows):
        for j in range(nv):
            col = f"{' + ' + str(j) + ' * w' if j else ''}"
            L.append(f"                ({vec}.Load(d + {i} * ldd{col}) + c{i}_{j}).Store(c + {i} * ldc{col});")
    L.append("            }")
    L.append("            return;")
    L.append("        }")
    L.append(f"        T* t = stackalloc T[{rows * nv} * {V}.Count];")
    for i in range(rows):
        L.append("        " + " ".join(f"c{i}_{j}.Store(t + {i * nv + j} * w);" for j in range(nv)))
    L.append(f"        StorePartial(t, {nv} * w, c, ldc, {rows if row_mode else 'mr'}, nr, d, ldd);")
    L.append("    }")
    return "\n".join(L)

def dispatch(vec, rows_list, nvs, row_mode):
    # Picks the smallest generated tile that covers mr rows and nr columns.
    L = []
    for nv in nvs:
        cond_nv = f"nr <= {nv} * {vec}<T>.Count" if nv != nvs[-1] else None
        inner = []
        for r in rows_list:
            args = "kc, a, aRs, b, bKs, c, ldc, nr, d, ldd" if row_mode else "kc, a, aKs, b, bKs, c, ldc, mr, nr, d, ldd"
            nm = f"{vec[6:]}x{r}x{nv}{'Rows' if row_mode else ''}"
            # Row mode reads exactly mr rows of A in place, so mr must be one of the generated heights.
            cond = None if r == rows_list[-1] else f"mr == {r}" if row_mode else f"mr <= {r}"
            inner.append((cond, f"{'T' + nm}({args});"))
        L.append((cond_nv, inner))
    return L

head = '''// <auto-generated> by GenTiles.py in this folder; edit that script, not this file. </auto-generated>
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MiniTorch;

internal static unsafe partial class GemmKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
'''

def emit_dispatch(vec, rows_list, nvs, row_mode):
    name = f"Tile{vec[6:]}{'Rows' if row_mode else ''}"
    if row_mode:
        sig = f"    private static void {name}(int kc, T* a, nint aRs, T* b, nint bKs, T* c, nint ldc, int mr, int nr, T* d, nint ldd)"
    else:
        sig = f"    private static void {name}(int kc, T* a, nint aKs, T* b, nint bKs, T* c, nint ldc, int mr, int nr, T* d, nint ldd)"
    L = ["    [MethodImpl(MethodImplOptions.AggressiveInlining)]", sig, "    {"]
    for cond_nv, inner in dispatch(vec, rows_list, nvs, row_mode):
        pre = f"        if ({cond_nv})" if cond_nv else "        else" if len(nvs) > 1 else ""
        body = []
        for idx, (cond, call) in enumerate(inner):
            if cond: body.append(f"{'if' if idx == 0 else 'else if'} ({cond}) {call}")
            else: body.append(f"{'else ' if idx else ''}{call}")
        if pre:
            L.append(pre)
            L.append("        {")
            L += ["            " + b for b in body]
            L.append("        }")
        else:
            L += ["        " + b for b in body]
    L.append("    }")
    return "\n".join(L)

parts = []
# Tile heights per vector width. 12x2 Vector512 uses 24 of AVX-512's 32 registers for C; 6x2 Vector256 and 6x2
# Vector128 use 12 of the 16 registers of AVX2 and SSE (plus 2 for B and 1 for the broadcast). ARM64 has 32 NEON
# registers, but one portable 128-bit shape keeps a single set of generated tiles for SSE and AdvSimd.
rows512, rows256, rows128 = [4, 8, 12], [2, 4, 6], [2, 4, 6]
parts.append(emit_dispatch("Vector512", rows512, [1, 2], False))
parts.append(emit_dispatch("Vector512", rows512, [1, 2], True))
parts.append(emit_dispatch("Vector256", rows256, [1, 2], False))
parts.append(emit_dispatch("Vector256", rows256, [1, 2], True))
parts.append(emit_dispatch("Vector128", rows128, [1, 2], False))
parts.append(emit_dispatch("Vector128", rows128, [1, 2], True))
for vec, rows_list in (("Vector512", rows512), ("Vector256", rows256), ("Vector128", rows128)):
    for nv in (1, 2):
        for r in rows_list:
            parts.append(tile(vec, r, nv, f"T{vec[6:]}x{r}x{nv}", False))
        # Row-mode tiles of every height: a plain A's last rows short of a full MR panel are read in place too.
        for r in rows_list:
            parts.append(tile(vec, r, nv, f"T{vec[6:]}x{r}x{nv}Rows", True))
open("GemmTiles.cs", "w").write(head + "\n\n".join(parts) + "\n}\n")
