namespace RotationTroubleshooter;

/// <summary>What a failure means to the user; the cmdlets map it to PowerShell's ErrorCategory in one place.</summary>
public enum FailureCategory { NotFound, PermissionDenied, InvalidArgument, InvalidData, Unavailable, LimitsExceeded, Authentication, Other }

/// <summary>A failure for one pipeline item, with a stable id scripts can match and a message saying what to do.</summary>
public class TroubleshooterException(string errorId, FailureCategory category, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string ErrorId { get; } = errorId;
    public FailureCategory Category { get; } = category;
}
