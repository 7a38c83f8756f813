using OnedriveOffsite.Engine.Auth;
using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Repositories.OneDrive;

/// <summary>Tuning and test hooks of a <see cref="OneDriveRepository"/>; the defaults suit production.</summary>
public sealed record OneDriveOptions
{
    /// <summary>OneDrive's fragment unit: every upload fragment but the last is a multiple of it.</summary>
    public const int FragmentUnit = 320 * 1024;
    public const int DefaultFragmentSize = 32 * FragmentUnit; // 10 MiB
    /// <summary>OneDrive refuses fragments of 60 MiB or more; this is the largest multiple of 320 KiB below.</summary>
    public const int MaxFragmentSize = 191 * FragmentUnit;

    /// <summary>Bytes per upload fragment: a multiple of 320 KiB, at most 191 × 320 KiB (just under 60 MiB).</summary>
    public int FragmentSize { get; init; } = DefaultFragmentSize;

    /// <summary>Attempts per request before giving up (throttling, 5xx, broken connections).</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>Longest pause between two attempts when no Retry-After says otherwise.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>First backoff pause (doubled per attempt, with jitter).</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest Retry-After honoured: OneDrive asking for a longer pause fails the run with OneDriveUnavailable.</summary>
    public static readonly TimeSpan DefaultMaxRetryAfter = TimeSpan.FromHours(1);

    /// <summary>Longest Retry-After honoured (see <see cref="DefaultMaxRetryAfter"/>).</summary>
    public TimeSpan MaxRetryAfter { get; init; } = DefaultMaxRetryAfter;

    /// <summary>An upload fragment or download whose bytes stop moving for this long is aborted and retried (resuming).</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Shared bandwidth limits of the run (upload fragments are paced, downloads read at the limit).</summary>
    public IO.TransferLimits Limits { get; init; } = IO.TransferLimits.None;

    /// <summary>The clock of Retry-After and backoff waits (tests inject a manual one instead of sleeping).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Bytes per ranged download request.</summary>
    public long DownloadChunkSize { get; init; } = 32L << 20;

    /// <summary>Tests: the handler under both HTTP clients (Graph API and pre-authenticated URLs). Null: a SocketsHttpHandler.</summary>
    public Func<HttpMessageHandler>? HttpMessageHandlerFactory { get; init; }

    /// <summary>Tests: HttpClient for MSAL's requests to the identity service (passed to TokenSourceFactory).</summary>
    public Func<HttpClient>? IdentityHttpClientFactory { get; init; }

    /// <summary>Tests: a token source to use instead of the one stored in the config home.</summary>
    public IAccessTokenSource? TokenSource { get; init; }

    /// <summary>Throws OffsiteException InvalidFragmentSize when the fragment size breaks OneDrive's rules.</summary>
    public OneDriveOptions Validate()
    {
        if (FragmentSize <= 0 || FragmentSize % FragmentUnit != 0 || FragmentSize > MaxFragmentSize)
            throw new Errors.OffsiteException(ErrorIds.OneDrive.InvalidFragmentSize, Errors.OffsiteErrorCategory.InvalidArgument,
                $"The upload fragment size {FragmentSize} must be a positive multiple of {FragmentUnit} bytes (320 KiB) and at most " +
                    $"{MaxFragmentSize} bytes (OneDrive refuses 60 MiB fragments).", FragmentSize);
        if (MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(MaxAttempts));
        if (DownloadChunkSize < 1) throw new ArgumentOutOfRangeException(nameof(DownloadChunkSize));
        if (StallTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(StallTimeout));
        if (MaxRetryAfter < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(MaxRetryAfter));
        return this;
    }
}
