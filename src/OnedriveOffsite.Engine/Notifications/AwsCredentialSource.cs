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
            var chain = new CredentialProfileStoreChain();
            if (!chain.TryGetAWSCredentials(profile, out var fromProfile))
                throw new OffsiteException(NotificationErrors.NotificationCredentialsNotFound, OffsiteErrorCategory.AuthenticationError,
                    $"The AWS profile '{profile}' was not found in the shared credentials or config file.", profile);
            return fromProfile;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ResolveTimeout);
        try
        {
            // ResolveIdentity is synchronous (it may probe instance metadata over the network): keep it off the caller's thread.
            return await Task.Run(() => new DefaultAWSCredentialsIdentityResolver().ResolveIdentity(null, timeout.Token), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AmazonClientException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new OffsiteException(NotificationErrors.NotificationCredentialsNotFound, OffsiteErrorCategory.AuthenticationError,
                "No AWS credentials were found for SES (looked at AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the default profile "
                + "of the shared credentials file, and container/instance roles). Set them, or name a profile with -Profile.");
        }
    }
}
