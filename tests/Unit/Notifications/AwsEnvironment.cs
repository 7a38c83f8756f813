using Xunit;

namespace OnedriveOffsite.Tests.Notifications;

/// <summary>
/// AWS credentials come from process-wide environment variables, so every test that touches them runs in this
/// one collection, never in parallel with another.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AwsEnvironmentCollection
{
    public const string Name = "AWS environment";
}

/// <summary>Sets environment variables for one test and restores the previous values afterwards.</summary>
public sealed class EnvironmentScope : IDisposable
{
    private static readonly string[] AwsVariables =
    {
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
        "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_EC2_METADATA_DISABLED", "AWS_REGION",
    };

    /// <summary>
    /// The one shared credentials file path of this test process. AWSSDK.Core's default chain fixes the file's
    /// location at its first use in the process (fine for a pwsh run, which sets it before starting), so tests
    /// keep the path fixed and change the file's content instead.
    /// </summary>
    public static readonly string SharedCredentialsFile =
        Path.Combine(Path.GetTempPath(), "oo-notify-aws-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8], "credentials");

    private readonly Dictionary<string, string?> _saved = new();

    /// <summary>
    /// Clears every AWS variable (no IMDS probing, the host's ~/.aws never leaks in), writes
    /// <paramref name="credentialsFile"/> as the shared credentials file (or deletes it when null), then applies
    /// <paramref name="values"/>.
    /// </summary>
    public EnvironmentScope(string? credentialsFile, params (string Name, string? Value)[] values)
    {
        foreach (var name in AwsVariables) Set(name, null);
        Directory.CreateDirectory(Path.GetDirectoryName(SharedCredentialsFile)!);
        if (credentialsFile is null) File.Delete(SharedCredentialsFile);
        else File.WriteAllText(SharedCredentialsFile, credentialsFile);
        Set("AWS_SHARED_CREDENTIALS_FILE", SharedCredentialsFile);
        Set("AWS_CONFIG_FILE", Path.Combine(Path.GetDirectoryName(SharedCredentialsFile)!, "no-config"));
        Set("AWS_EC2_METADATA_DISABLED", "true");
        foreach (var (name, value) in values) Set(name, value);
    }

    private void Set(string name, string? value)
    {
        if (!_saved.ContainsKey(name)) _saved[name] = Environment.GetEnvironmentVariable(name);
        Environment.SetEnvironmentVariable(name, value);
    }

    public void Dispose()
    {
        File.Delete(SharedCredentialsFile);
        foreach (var (name, value) in _saved) Environment.SetEnvironmentVariable(name, value);
    }
}
