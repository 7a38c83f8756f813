using System.Management.Automation;
using OnedriveOffsite.Engine.Progress;

namespace OnedriveOffsite.Infrastructure;

/// <summary>
/// Turns engine progress into progress records: the engine's status (what the activity is doing), then size and
/// rate; the ETA only when the engine gives one (<see cref="OperationProgress.Remaining"/>); the activity line fitted
/// by the engine to the room the window gives it.
/// </summary>
internal static class ProgressRecords
{
    /// <param name="activityWidth">The room for the activity line (see <see cref="ActivityText"/>).</param>
    public static ProgressRecord From(OperationProgress p, int activityWidth = ActivityText.DefaultLength)
    {
        var sizes = p.BytesTotal == 0 && p.BytesDone == 0 ? "" // no bytes to count (a throttled wait outside any transfer)
            : p.BytesTotal < 0
            ? $"{Sizes.Format(p.BytesDone)} at {Sizes.Format((long)p.BytesPerSecond)}/s" // a stream: length unknown
            : $"{Sizes.Format(p.BytesDone)} of {Sizes.Format(p.BytesTotal)} at {Sizes.Format((long)p.BytesPerSecond)}/s";
        var step = p.Status.TrimEnd(':', ' ');
        var status = p.Completed ? "Done" : step.Length == 0 ? sizes : sizes.Length == 0 ? step : $"{step}: {sizes}";
        var record = new ProgressRecord(p.Id, p.Names?.Fit(activityWidth) ?? p.Activity, status.Length == 0 ? "Working" : status)
        {
            ParentActivityId = p.ParentId,
            PercentComplete = p.BytesTotal < 0 && !p.Completed ? -1 : p.PercentComplete,
            RecordType = p.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        if (!p.Completed && p.Remaining is { } eta) record.SecondsRemaining = (int)Math.Min(int.MaxValue, Math.Ceiling(eta.TotalSeconds));
        return record;
    }
}
