using System.Management.Automation;
using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Infrastructure;

/// <summary>Turns engine progress into progress records whose status shows size, rate and ETA.</summary>
internal static class ProgressRecords
{
    public static ProgressRecord From(OperationProgress p)
    {
        var status = p.Completed ? "Done"
            : p.BytesTotal < 0 ? $"{p.Status} {Sizes.Format(p.BytesDone)} at {Sizes.Format((long)p.BytesPerSecond)}/s" // a stream: length unknown
            : $"{p.Status} {Sizes.Format(p.BytesDone)} of {Sizes.Format(p.BytesTotal)} at {Sizes.Format((long)p.BytesPerSecond)}/s";
        var record = new ProgressRecord(p.Id, p.Activity, string.IsNullOrWhiteSpace(status) ? "Working" : status)
        {
            ParentActivityId = p.ParentId,
            PercentComplete = p.BytesTotal < 0 && !p.Completed ? -1 : p.PercentComplete,
            RecordType = p.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        if (!p.Completed && p.Remaining is { } eta) record.SecondsRemaining = (int)Math.Min(int.MaxValue, eta.TotalSeconds);
        return record;
    }
}
