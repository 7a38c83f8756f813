namespace OnedriveOffsite.Engine.Backup;

/// <summary>A part: a fixed range of the source file.</summary>
public sealed record PartPlan(int Index, long Offset, long Length)
{
    /// <summary>Splits a file into parts of <paramref name="partSize"/> bytes (an empty file is one empty part).</summary>
    public static IReadOnlyList<PartPlan> Split(long fileLength, long partSize)
    {
        var count = fileLength == 0 ? 1 : (int)((fileLength + partSize - 1) / partSize);
        return Enumerable.Range(0, count)
            .Select(i => new PartPlan(i, i * partSize, Math.Min(partSize, fileLength - i * partSize)))
            .ToList();
    }
}
