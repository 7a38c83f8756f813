using System.Runtime.InteropServices;

namespace OnedriveOffsite.Engine.IO;

/// <summary>
/// Allocates the multi-MiB buffers a transfer pipeline pools for its whole run (read blocks, batches, packs, restore
/// windows). On Linux they are asked to be backed by transparent huge pages (<c>madvise(MADV_HUGEPAGE)</c>, honoured
/// when the system's THP mode is "madvise" or "always"): a 1 GiB format 2 backup first-touches ~140 MiB of such
/// buffers, ~35,000 page faults of 4 KiB that cost ~0.4 CPU s on a virtual machine (docs/DECISIONS.md "v2 speed,
/// second round"). Nothing in the .NET base library or the allowed registries asks for huge pages, hence this
/// P/Invoke. The advice is only a hint: any failure leaves an ordinary array, and other platforms get one. The arrays
/// are not zeroed (zeroing would fault every page in as 4 KiB before the advice): callers read only what they wrote.
/// </summary>
internal static class LargeBuffer
{
    private const int HugePage = 2 << 20;
    private const int MadvHugePage = 14;

    public static byte[] Allocate(int length)
    {
        if (!OperatingSystem.IsLinux() || length < 2 * HugePage) return new byte[length];
        // Pinned (the pinned object heap), so the advised address range stays the array's for its whole life.
        var buffer = GC.AllocateUninitializedArray<byte>(length, pinned: true);
        try { Advise(buffer); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        return buffer;
    }

    private static void Advise(byte[] buffer)
    {
        // The array is pinned for life, so its address may be taken without a handle.
        var p = (nuint)Marshal.UnsafeAddrOfPinnedArrayElement(buffer, 0);
        var start = (p + HugePage - 1) & ~(nuint)(HugePage - 1);
        var end = (p + (nuint)buffer.Length) & ~(nuint)(HugePage - 1);
        if (end > start) _ = madvise((nint)start, end - start, MadvHugePage); // a refusal (EINVAL) changes nothing
    }

    [DllImport("libc", SetLastError = false)]
    private static extern int madvise(nint address, nuint length, int advice);
}
