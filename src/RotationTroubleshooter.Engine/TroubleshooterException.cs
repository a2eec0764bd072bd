using RotationTroubleshooter.Text;

namespace RotationTroubleshooter;

/// <summary>What a failure means to the user; the cmdlets map it to PowerShell's ErrorCategory in one place.</summary>
public enum FailureCategory { NotFound, PermissionDenied, InvalidArgument, InvalidData, Unavailable, LimitsExceeded, Authentication, InvalidOperation, Timeout, Other }

/// <summary>
/// Every failure the engine raises: a stable id scripts can match (one of <see cref="ErrorIds"/>) and a message saying
/// what to do. Every engine exception derives from this one. Its message is cleaned where it is made, as the output
/// types' text is (<see cref="OutputText"/>: the run's secret values masked, control characters made visible); an inner
/// exception whose text would need cleaning is not kept, since the message already says what it said.
/// </summary>
public class TroubleshooterException(string errorId, FailureCategory category, string message, Exception? inner = null)
    : Exception(OutputText.Of(message), OutputText.IsClean(inner, SecretMask.Current) ? inner : null)
{
    public string ErrorId { get; } = errorId;
    public FailureCategory Category { get; } = category;
}

/// <summary>The stable error ids of the module's ErrorRecords (the README lists them); compare with these, never with text.</summary>
public static class ErrorIds
{
    public const string AwsAccessDenied = nameof(AwsAccessDenied);
    public const string AwsNotFound = nameof(AwsNotFound);
    public const string AwsThrottled = nameof(AwsThrottled);
    public const string AwsExpiredToken = nameof(AwsExpiredToken);
    public const string AwsInvalidCredentials = nameof(AwsInvalidCredentials);
    public const string AwsValidation = nameof(AwsValidation);
    public const string AwsServiceFault = nameof(AwsServiceFault);
    public const string AwsTransport = nameof(AwsTransport);
    public const string AwsOther = nameof(AwsOther);
    public const string BundleCorrupt = nameof(BundleCorrupt);
    public const string BundleTooLarge = nameof(BundleTooLarge);
    public const string BundleDownloadDenied = nameof(BundleDownloadDenied);
    public const string BundleDownloadFailed = nameof(BundleDownloadFailed);
    public const string BundleDownloadNotFound = nameof(BundleDownloadNotFound);
    public const string CaCertificateInvalid = nameof(CaCertificateInvalid);
    public const string CodeLocationUnavailable = nameof(CodeLocationUnavailable);
    public const string ChangedSinceConfirmed = nameof(ChangedSinceConfirmed);
    public const string CredentialsNotFound = nameof(CredentialsNotFound);
    public const string FileExists = nameof(FileExists);
    public const string FileReadOnly = nameof(FileReadOnly);
    public const string FunctionEnvironmentUnreadable = nameof(FunctionEnvironmentUnreadable);
    public const string FunctionGivenAsSecret = nameof(FunctionGivenAsSecret);
    public const string FunctionNotFound = nameof(FunctionNotFound);
    public const string GetSecretValueDenied = nameof(GetSecretValueDenied);
    public const string InvalidArn = nameof(InvalidArn);
    public const string InvalidDiagnosis = nameof(InvalidDiagnosis);
    public const string InvalidEndpointUrl = nameof(InvalidEndpointUrl);
    public const string InvalidFunctionName = nameof(InvalidFunctionName);
    public const string InvalidRateLimit = nameof(InvalidRateLimit);
    public const string InvalidRegion = nameof(InvalidRegion);
    public const string InvalidSecretId = nameof(InvalidSecretId);
    public const string InvalidTimeWindow = nameof(InvalidTimeWindow);
    public const string InvalidTimeout = nameof(InvalidTimeout);
    public const string KmsAccessDenied = nameof(KmsAccessDenied);
    public const string LogFileFormatUnknown = nameof(LogFileFormatUnknown);
    public const string LogFileUnreadable = nameof(LogFileUnreadable);
    public const string LogGroupNotFound = nameof(LogGroupNotFound);
    public const string MalformedResponse = nameof(MalformedResponse);
    public const string NotAFile = nameof(NotAFile);
    public const string PathNamesManyFiles = nameof(PathNamesManyFiles);
    public const string PathNotFileSystem = nameof(PathNotFileSystem);
    public const string PathNotFound = nameof(PathNotFound);
    public const string PendingVersionStuck = nameof(PendingVersionStuck);
    public const string RegionNotFound = nameof(RegionNotFound);
    public const string RotatedByOwningService = nameof(RotatedByOwningService);
    public const string RepairFailed = nameof(RepairFailed);
    public const string ReportWriteFailed = nameof(ReportWriteFailed);
    public const string RotationNotConfigured = nameof(RotationNotConfigured);
    public const string RotationWaitTimedOut = nameof(RotationWaitTimedOut);
    public const string SecretHasNoValue = nameof(SecretHasNoValue);
    public const string SecretJsonKeyMissing = nameof(SecretJsonKeyMissing);
    public const string SecretNotFound = nameof(SecretNotFound);
    public const string SecretNotJson = nameof(SecretNotJson);
    public const string SecretValueBinary = nameof(SecretValueBinary);
    public const string SecretValueEmpty = nameof(SecretValueEmpty);
    public const string SecretValueInvalid = nameof(SecretValueInvalid);
    public const string SecretValueNotJson = nameof(SecretValueNotJson);
    public const string SecretVersionNotFound = nameof(SecretVersionNotFound);
    public const string StageNotFound = nameof(StageNotFound);
    public const string TooManyResults = nameof(TooManyResults);
    public const string UnknownCheckId = nameof(UnknownCheckId);
    public const string UnrecognizedInput = nameof(UnrecognizedInput);
    public const string UnexpectedError = nameof(UnexpectedError);
    public const string UserAuditFailed = nameof(UserAuditFailed);
    public const string UserAuditLoginFailed = nameof(UserAuditLoginFailed);
    public const string UserAuditNotPermitted = nameof(UserAuditNotPermitted);
    public const string UserAuditNotSupported = nameof(UserAuditNotSupported);
}
