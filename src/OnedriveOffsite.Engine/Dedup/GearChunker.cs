using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OnedriveOffsite.Engine.Dedup;

/// <summary>
/// Content-defined chunking, FastCDC-style (Xia et al., USENIX ATC 2016) with normalized chunking level 2: a gear
/// rolling hash <c>fp = (fp &lt;&lt; 1) + gear[byte]</c>, no cut before <see cref="Min"/>, a stricter mask up to
/// <see cref="Average"/> and a looser one after, a forced cut at <see cref="Max"/>. Written here because no package
/// in the allowed registries implements FastCDC for .NET; the exact rules are in docs/FORMAT.md §9.4.
/// </summary>
public sealed class GearChunker
{
    /// <summary>Chosen by measurement (docs/DECISIONS.md "Chunk sizes").</summary>
    public const int DefaultAverage = 64 << 10;
    private readonly ulong[] _gear;
    private readonly ulong _maskStrict;
    private readonly ulong _maskLoose;

    public GearChunker(ulong[] gear, int average = DefaultAverage)
    {
        if (gear.Length != 256) throw new ArgumentException("256 gear values", nameof(gear));
        if (!BitOperations.IsPow2(average) || average < 1024 || average > (1 << 22)) throw new ArgumentOutOfRangeException(nameof(average));
        _gear = gear;
        Average = average;
        Min = average / 4;
        Max = average * 4;
        var bits = BitOperations.Log2((uint)average);
        _maskStrict = TopBits(bits + 2);
        _maskLoose = TopBits(bits - 2);
    }

    public int Min { get; }
    public int Average { get; }
    public int Max { get; }

    /// <summary>The mask of the <paramref name="n"/> most significant bits of a 64-bit word.</summary>
    public static ulong TopBits(int n) => n == 0 ? 0 : ulong.MaxValue << (64 - n);

    /// <summary>
    /// The length of the chunk that starts at <paramref name="data"/>[0]. <paramref name="data"/> must hold at least
    /// <see cref="Max"/> bytes unless it is the rest of the file.
    /// </summary>
    // Fully optimized from the first call: the hot loop of every v2 backup, not left to tier-0 code (see HashWarmup).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Cut(ReadOnlySpan<byte> data)
    {
        var n = data.Length;
        if (n <= Min) return n;
        var limit = Math.Min(n, Max);
        var normal = Math.Min(Average, limit);
        ulong fp = 0;
        ref var gear = ref MemoryMarshal.GetArrayDataReference(_gear);
        ref var d = ref MemoryMarshal.GetReference(data);
        var i = Min;
        for (; i < normal; i++)
        {
            fp = (fp << 1) + Unsafe.Add(ref gear, Unsafe.Add(ref d, i));
            if ((fp & _maskStrict) == 0) return i + 1;
        }
        for (; i < limit; i++)
        {
            fp = (fp << 1) + Unsafe.Add(ref gear, Unsafe.Add(ref d, i));
            if ((fp & _maskLoose) == 0) return i + 1;
        }
        return limit;
    }
}
