namespace OnedriveOffsite.Engine.Errors;

/// <summary>
/// Marks a class whose public string constants are stable error ids (the catalog). Each id is defined once, in a
/// catalog class; code that raises it names the constant. tests/Unit/Errors/ErrorCatalogTests.cs checks every
/// catalogued id appears in README.md's Errors section and in the help of each cmdlet in its <see cref="RaisedByAttribute"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ErrorCatalogAttribute : Attribute;

/// <summary>The cmdlets that can end with this error id (their help lists it).</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class RaisedByAttribute(params string[] cmdlets) : Attribute
{
    public IReadOnlyList<string> Cmdlets { get; } = cmdlets;
}

/// <summary>Stable error ids, per area (<c>$Error[0].FullyQualifiedErrorId</c> starts with one of these).</summary>
public static class ErrorIds
{
    private const string Start = "Start-OffsiteBackup";
    private const string Restore = "Restore-OffsiteBackup";
    private const string Test = "Test-OffsiteBackup";
    private const string Get = "Get-OffsiteBackup";
    private const string Remove = "Remove-OffsiteBackup";
    private const string Optimize = "Optimize-OffsiteRepository";
    private const string Connect = "Connect-OffsiteAccount";
    private const string SetApp = "Set-OffsiteApp";
    private const string GetApp = "Get-OffsiteApp";
    private const string Disconnect = "Disconnect-OffsiteAccount";
    private const string GetAccount = "Get-OffsiteAccount";
    private const string NewKey = "New-OffsiteKey";
    private const string SetNotification = "Set-OffsiteNotification";
    private const string GetNotification = "Get-OffsiteNotification";
    private const string SendNotification = "Send-OffsiteTestNotification";

    /// <summary>Backing up a file (Start-OffsiteBackup).</summary>
    [ErrorCatalog]
    public static class Backup
    {
        [RaisedBy(Start)] public const string SourceNotFound = "SourceNotFound";
        [RaisedBy(Start)] public const string SourceIsDirectory = "SourceIsDirectory";
        [RaisedBy(Start)] public const string SourceChanged = "SourceChanged";
        [RaisedBy(Start)] public const string InvalidPartSize = "InvalidPartSize";
        [RaisedBy(Start)] public const string NothingToResume = "NothingToResume";
        [RaisedBy(Start)] public const string StoredSizeMismatch = "StoredSizeMismatch";
        [RaisedBy(Start, Test)] public const string VerificationFailed = "VerificationFailed";
        [RaisedBy(Start)] public const string NoSourceFile = "NoSourceFile";
        [RaisedBy(Start)] public const string FormatParameterConflict = "FormatParameterConflict";
        /// <summary>An engine guard: the cmdlets validate -ThrottleLimit before the engine sees it.</summary>
        [RaisedBy] public const string InvalidThrottleLimit = "InvalidThrottleLimit";
    }

    /// <summary>Snapshots and repositories: finding, reading, restoring, verifying, removing.</summary>
    [ErrorCatalog]
    public static class Snapshots
    {
        [RaisedBy(Get, Remove, Restore, Start, Test)] public const string InvalidSetName = "InvalidSetName";
        [RaisedBy(Get, Remove, Restore, Start, Test)] public const string RepositoryNotFound = "RepositoryNotFound";
        [RaisedBy(Remove, Restore, Test)] public const string SnapshotNotFound = "SnapshotNotFound";
        [RaisedBy(Restore, Test)] public const string SnapshotIncomplete = "SnapshotIncomplete";
        [RaisedBy(Restore)] public const string PartMissing = "PartMissing";
        [RaisedBy(Restore)] public const string PartCorrupt = "PartCorrupt";
        [RaisedBy(Restore)] public const string PartMismatch = "PartMismatch";
        [RaisedBy(Restore)] public const string PartHashMismatch = "PartHashMismatch";
        [RaisedBy(Restore, Test)] public const string ManifestCorrupt = "ManifestCorrupt";
        [RaisedBy(Restore, Test)] public const string UnsupportedFormatVersion = "UnsupportedFormatVersion";
        [RaisedBy(Restore)] public const string SourceHashMismatch = "SourceHashMismatch";
        [RaisedBy(Restore)] public const string DestinationExists = "DestinationExists";
        [RaisedBy(Restore)] public const string DestinationDirectoryNotFound = "DestinationDirectoryNotFound";
        [RaisedBy(Remove)] public const string RetentionRuleMissing = "RetentionRuleMissing";
        [RaisedBy(Restore)] public const string DestinationFull = "DestinationFull";
        [RaisedBy(Remove, Optimize)] public const string PruneUnsafe = "PruneUnsafe";
    }

    /// <summary>The master key (New-OffsiteKey and every command that encrypts or decrypts).</summary>
    [ErrorCatalog]
    public static class Keys
    {
        [RaisedBy(NewKey)] public const string KeyExists = "KeyExists";
        [RaisedBy(NewKey)] public const string KeyInvalid = "KeyInvalid";
        [RaisedBy(Get, Restore, Start, Test)] public const string KeyNotFound = "KeyNotFound";
        [RaisedBy(Restore, Test)] public const string KeyMismatch = "KeyMismatch";
    }

    /// <summary>OneDrive through Microsoft Graph.</summary>
    [ErrorCatalog]
    public static class OneDrive
    {
        [RaisedBy(Get, Remove, Restore, Start, Test)] public const string InvalidRepository = "InvalidRepository";
        [RaisedBy(Start)] public const string InvalidFragmentSize = "InvalidFragmentSize";
        [RaisedBy(Start)] public const string OneDriveQuotaExceeded = "OneDriveQuotaExceeded";
        [RaisedBy(Get, Remove, Start)] public const string OneDriveAccessDenied = "OneDriveAccessDenied";
        [RaisedBy(Get, Remove, Restore, Start, Test)] public const string OneDriveUnavailable = "OneDriveUnavailable";
        [RaisedBy(Get, Remove, Restore, Start, Test)] public const string OneDriveRequestFailed = "OneDriveRequestFailed";
        [RaisedBy(Start)] public const string StoredFileExists = "StoredFileExists";
        [RaisedBy(Start)] public const string UploadSessionLost = "UploadSessionLost";
        [RaisedBy(Start)] public const string StoredHashMismatch = "StoredHashMismatch";
    }

    /// <summary>The app registration (Set-OffsiteApp) and the stored app settings.</summary>
    [ErrorCatalog]
    public static class App
    {
        [RaisedBy(Connect, GetApp, Get, Remove, Restore, Start, Test)] public const string AppNotConfigured = "AppNotConfigured";
        [RaisedBy(GetApp)] public const string AppSettingsCorrupt = "AppSettingsCorrupt";
        [RaisedBy(SetApp)] public const string InvalidClientId = "InvalidClientId";
        [RaisedBy(SetApp)] public const string InvalidClientSecret = "InvalidClientSecret";
        [RaisedBy(SetApp)] public const string InvalidDriveFolder = "InvalidDriveFolder";
        [RaisedBy(SetApp)] public const string InvalidEndpoint = "InvalidEndpoint";
        [RaisedBy(SetApp)] public const string InvalidTenant = "InvalidTenant";
    }

    /// <summary>Signing in and tokens.</summary>
    [ErrorCatalog]
    public static class Auth
    {
        [RaisedBy(Disconnect, GetAccount, Get, Remove, Restore, Start, Test)] public const string NotConnected = "NotConnected";
        [RaisedBy(Connect, Get, Remove, Restore, Start, Test)] public const string SignInRequired = "SignInRequired";
        [RaisedBy(Get, Remove, Restore, Start, Test)] public const string TokenRefreshFailed = "TokenRefreshFailed";
        [RaisedBy(Connect)] public const string SignInFailed = "SignInFailed";
        [RaisedBy(Connect)] public const string AuthorizationStateMismatch = "AuthorizationStateMismatch";
        [RaisedBy(Connect)] public const string InvalidAuthorizationResponse = "InvalidAuthorizationResponse";
        [RaisedBy(Connect)] public const string InteractiveInputRequired = "InteractiveInputRequired";
        [RaisedBy(Connect)] public const string TokenCacheLocked = "TokenCacheLocked";
        [RaisedBy(Connect)] public const string AccessTokenExpired = "AccessTokenExpired";
        [RaisedBy(Connect)] public const string InvalidAccessToken = "InvalidAccessToken";
        [RaisedBy(GetAccount)] public const string ConnectionCorrupt = "ConnectionCorrupt";
    }

    /// <summary>Restore-OffsiteBackup -Legacy: backups of the old service.</summary>
    [ErrorCatalog]
    public static class Legacy
    {
        [RaisedBy(Restore)] public const string InvalidLegacyName = "InvalidLegacyName";
        [RaisedBy(Restore)] public const string ExpectedHashConflict = "ExpectedHashConflict";
        [RaisedBy(Restore)] public const string LegacyBackupNotFound = "LegacyBackupNotFound";
        [RaisedBy(Restore)] public const string LegacyMultipleBackups = "LegacyMultipleBackups";
        [RaisedBy(Restore)] public const string LegacyArchiveMissing = "LegacyArchiveMissing";
        [RaisedBy(Restore)] public const string LegacyArchiveDuplicate = "LegacyArchiveDuplicate";
        [RaisedBy(Restore)] public const string LegacyArchiveCorrupt = "LegacyArchiveCorrupt";
        [RaisedBy(Restore)] public const string LegacyUnsafeMemberName = "LegacyUnsafeMemberName";
        [RaisedBy(Restore)] public const string LegacyMemberMissing = "LegacyMemberMissing";
        [RaisedBy(Restore)] public const string LegacyMemberDuplicate = "LegacyMemberDuplicate";
        [RaisedBy(Restore)] public const string LegacyTokenCorrupt = "LegacyTokenCorrupt";
        [RaisedBy(Restore)] public const string LegacyKeyMismatch = "LegacyKeyMismatch";
        [RaisedBy(Restore)] public const string LegacyChunkSizeInconsistent = "LegacyChunkSizeInconsistent";
        [RaisedBy(Restore)] public const string LegacyKeyNotFound = "LegacyKeyNotFound";
        [RaisedBy(Restore)] public const string LegacyKeyInvalid = "LegacyKeyInvalid";
        [RaisedBy(Restore)] public const string LegacyHashFileNotFound = "LegacyHashFileNotFound";
        [RaisedBy(Restore)] public const string LegacyHashFileInvalid = "LegacyHashFileInvalid";
        [RaisedBy(Restore)] public const string LegacyExpectedHashInvalid = "LegacyExpectedHashInvalid";
        [RaisedBy(Restore)] public const string LegacyHashMismatch = "LegacyHashMismatch";
    }

    /// <summary>Mail notifications.</summary>
    [ErrorCatalog]
    public static class Notifications
    {
        [RaisedBy(SendNotification)] public const string NotificationFailed = "NotificationFailed";
        [RaisedBy(SendNotification)] public const string NotificationNotConfigured = "NotificationNotConfigured";
        [RaisedBy(GetNotification, SendNotification, SetNotification)]
        public const string NotificationSettingsInvalid = "NotificationSettingsInvalid";
        [RaisedBy(SendNotification)] public const string NotificationCredentialsNotFound = "NotificationCredentialsNotFound";
        [RaisedBy(SetNotification)] public const string NotificationProviderMismatch = "NotificationProviderMismatch";
    }

    /// <summary>Failures the cmdlet layer names from .NET exceptions (OnedriveOffsite.PowerShell, ErrorRecords.cs).</summary>
    [ErrorCatalog]
    public static class Cmdlet
    {
        [RaisedBy(Connect, Get, Remove, Restore, Start, Test)] public const string OperationStopped = "OperationStopped";
        [RaisedBy(Disconnect, NewKey, Restore, SetApp, SetNotification, Start)] public const string AccessDenied = "AccessDenied";
        [RaisedBy(Disconnect, NewKey, Restore, SetApp, SetNotification, Start)] public const string IOError = "IOError";
        /// <summary>A defect: any cmdlet, never expected.</summary>
        [RaisedBy] public const string UnexpectedError = "UnexpectedError";
    }
}
