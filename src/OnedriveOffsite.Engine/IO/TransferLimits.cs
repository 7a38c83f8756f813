namespace OnedriveOffsite.Engine.IO;

/// <summary>The bandwidth limits of one run: one shared limiter per direction (null: unlimited).</summary>
public sealed record TransferLimits(BandwidthLimiter? Upload, BandwidthLimiter? Download)
{
    public static readonly TransferLimits None = new(null, null);

    public static TransferLimits From(BandwidthSchedule? upload, BandwidthSchedule? download) =>
        new(upload is null ? null : new BandwidthLimiter(upload), download is null ? null : new BandwidthLimiter(download));
}
