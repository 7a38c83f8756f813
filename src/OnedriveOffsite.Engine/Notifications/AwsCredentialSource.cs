using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Notifications;

/// <summary>
/// Finds AWS credentials the way every AWS tool does, through AWSSDK.Core: a named profile (shared credentials
/// / config file, honouring AWS_SHARED_CREDENTIALS_FILE), else the default chain (environment variables,
/// the default profile, container and instance roles).
/// </summary>
internal static class AwsCredentialSource
{
    /// <summary>Upper bound for the chain: the instance-metadata probe alone can take about 35 s when there is no role.</summary>
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(40);

    public static async Task<AWSCredentials> ResolveAsync(string? profile, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(profile))
        {
            return TryProfile(profile)
                ?? throw new OffsiteException(NotificationErrors.NotificationCredentialsNotFound, OffsiteErrorCategory.AuthenticationError,
                $"The AWS profile '{profile}' was not found in the shared credentials or config file.", profile);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ResolveTimeout);
        try
        {
            // ResolveIdentity is synchronous (it may probe instance metadata over the network): keep it off the caller's thread.
            return await Task.Run(() => new DefaultAWSCredentialsIdentityResolver().ResolveIdentity(null, timeout.Token), timeout.Token)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AmazonClientException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // The SDK's chain fixes the shared credentials file's location at first use in the process, so a file
            // written after a failed lookup (same pwsh session: test, fix, test again) would go unseen until restart.
            // Repeat the chain's "profile" step against the file as it is now.
            var fallback = TryProfile(Environment.GetEnvironmentVariable("AWS_PROFILE") is { Length: > 0 } p ? p : "default");
            if (fallback is not null) return fallback;
            throw new OffsiteException(NotificationErrors.NotificationCredentialsNotFound, OffsiteErrorCategory.AuthenticationError,
                "No AWS credentials were found for SES (looked at AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the default profile "
                + "of the shared credentials file, and container/instance roles). Set them, or name a profile with -Profile.");
        }
    }

    /// <summary>
    /// Looks the profile up in the shared credentials file named by AWS_SHARED_CREDENTIALS_FILE now (else
    /// ~/.aws/credentials), then in the SDK's own stores (on Windows also the AWS Tools for PowerShell store).
    /// The explicit path matters: AWSSDK.Core's path-less lookup fixes the file location at its first use in the
    /// process and never finds a file that was missing then.
    /// </summary>
    private static AWSCredentials? TryProfile(string profile)
    {
        var file = Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE") is { Length: > 0 } set ? set
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aws", "credentials");
        if (File.Exists(file) && new CredentialProfileStoreChain(file).TryGetAWSCredentials(profile, out var fromFile)) return fromFile;
        return new CredentialProfileStoreChain().TryGetAWSCredentials(profile, out var fromStores) ? fromStores : null;
    }
}
