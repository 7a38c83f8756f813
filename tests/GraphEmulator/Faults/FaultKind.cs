namespace OnedriveOffsite.GraphEmulator.Faults;

/// <summary>Failures the emulator can inject, each modelled on something OneDrive really does.</summary>
public enum FaultKind
{
    /// <summary>429 activityLimitReached with Retry-After (any request).</summary>
    Throttle429,
    /// <summary>503 serviceNotAvailable with Retry-After (any request).</summary>
    Unavailable503,
    /// <summary>500 generalException (any request).</summary>
    ServerError500,
    /// <summary>Reads part of the request body, then aborts the connection; nothing is stored.</summary>
    ConnectionReset,
    /// <summary>Upload PUT: the fragment (or simple upload) IS stored, then the connection is aborted or a 504
    /// is returned, so the client does not know.</summary>
    LostAcknowledgement,
    /// <summary>Upload fragment: only part of it (a length that is not a 320 KiB multiple) is stored, then 504.</summary>
    PartialFragmentStored,
    /// <summary>Upload session request: the session vanishes; this and later requests get 404.</summary>
    SessionExpired,
    /// <summary>Download URL answers 401 as if expired.</summary>
    DownloadUrlExpired,
    /// <summary>Download sends part of the body, then aborts the connection.</summary>
    TruncatedDownload,
    /// <summary>Upload PUT: one byte of what is stored is flipped, so the item's quickXorHash differs.</summary>
    CorruptOnUpload,
    /// <summary>Download with a Range header: the range is ignored and the whole file is sent with 200.</summary>
    IgnoreRange,
}

/// <summary>What a request is, for deciding which faults can apply to it.</summary>
internal enum RequestClass
{
    GraphApi,
    SimpleUpload,
    UploadFragment,
    UploadSessionOther,
    Download,
}
