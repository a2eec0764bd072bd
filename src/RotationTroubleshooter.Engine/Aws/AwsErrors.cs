using System.Net;

namespace RotationTroubleshooter.Aws;

/// <summary>What kind of AWS failure this is, so callers pick an error category without parsing codes.</summary>
public enum AwsErrorKind { AccessDenied, NotFound, Throttled, ExpiredToken, InvalidCredentials, Validation, ServiceFault, Transport, Other }

/// <summary>An AWS call that failed after the pipeline's retries. Messages never hold request bodies.</summary>
public class AwsServiceException : TroubleshooterException
{
    public AwsServiceException(AwsErrorKind kind, string service, string operation, string? errorCode, string message,
        HttpStatusCode? statusCode = null, string? requestId = null, Exception? inner = null)
        : base("Aws" + kind, CategoryOf(kind), message, inner) // one of ErrorIds.Aws*
    {
        Kind = kind;
        Service = service;
        Operation = operation;
        ErrorCode = errorCode;
        StatusCode = statusCode;
        RequestId = requestId;
    }

    public AwsErrorKind Kind { get; }
    public string Service { get; }
    public string Operation { get; }
    public string? ErrorCode { get; }
    public HttpStatusCode? StatusCode { get; }
    public string? RequestId { get; }

    /// <summary>The IAM action a denied call needed, e.g. <c>lambda:GetFunction</c>.</summary>
    public string IamAction => $"{Service}:{Operation}";

    private static FailureCategory CategoryOf(AwsErrorKind kind) => kind switch
    {
        AwsErrorKind.AccessDenied => FailureCategory.PermissionDenied,
        AwsErrorKind.NotFound => FailureCategory.NotFound,
        AwsErrorKind.Throttled => FailureCategory.LimitsExceeded,
        AwsErrorKind.ExpiredToken or AwsErrorKind.InvalidCredentials => FailureCategory.Authentication,
        AwsErrorKind.Validation => FailureCategory.InvalidArgument,
        AwsErrorKind.ServiceFault or AwsErrorKind.Transport => FailureCategory.Unavailable,
        _ => FailureCategory.Other,
    };

    internal static AwsErrorKind Classify(string? code, HttpStatusCode status)
    {
        switch (code)
        {
            case "AccessDenied" or "AccessDeniedException" or "UnauthorizedOperation" or "AuthorizationError"
                or "AuthFailure" or "KMSAccessDeniedException":
                return AwsErrorKind.AccessDenied;
            case "ResourceNotFoundException" or "NoSuchEntity" or "NoSuchEntityException" or "DBInstanceNotFound"
                or "DBClusterNotFoundFault" or "DBSubnetGroupNotFoundFault" or "ClusterNotFound" or "NotFoundException"
                // The database records' Describe calls (docs/reference/rds-records.md).
                or "DBParameterGroupNotFound" or "OptionGroupNotFoundFault" or "DBProxyNotFoundFault" or "DBProxyTargetGroupNotFoundFault"
                or "DBProxyEndpointNotFoundFault" or "DBClusterEndpointNotFoundFault" or "ClusterParameterGroupNotFound":
                return AwsErrorKind.NotFound;
            case "ExpiredToken" or "ExpiredTokenException" or "RequestExpired":
                return AwsErrorKind.ExpiredToken;
            case "UnrecognizedClientException" or "InvalidClientTokenId" or "InvalidSignatureException"
                or "SignatureDoesNotMatch" or "IncompleteSignature" or "MissingAuthenticationToken":
                return AwsErrorKind.InvalidCredentials;
            case "ValidationException" or "ValidationError" or "InvalidParameterException" or "InvalidParameterValue"
                or "InvalidParameterValueException" or "InvalidRequestException" or "InvalidParameterCombination"
                or "InvalidTimeRangeException" or "InvalidLookupAttributesException" or "InvalidNextTokenException":
                return AwsErrorKind.Validation;
        }
        if (code != null && IsThrottlingCode(code)) return AwsErrorKind.Throttled;
        if (status == HttpStatusCode.TooManyRequests) return AwsErrorKind.Throttled;
        if (status == HttpStatusCode.Forbidden) return AwsErrorKind.AccessDenied;
        if (status == HttpStatusCode.NotFound) return AwsErrorKind.NotFound;
        if ((int)status >= 500) return AwsErrorKind.ServiceFault;
        return AwsErrorKind.Other;
    }

    internal static bool IsThrottlingCode(string code) => code is "Throttling" or "ThrottlingException"
        or "ThrottledException" or "TooManyRequestsException" or "RequestLimitExceeded" or "RequestThrottled"
        or "RequestThrottledException" or "ProvisionedThroughputExceededException" or "SlowDown"
        or "EC2ThrottledException" or "PriorRequestNotComplete" or "BandwidthLimitExceeded";
}

/// <summary>No credentials anywhere AWS.Tools would look; the message lists where we looked.</summary>
public sealed class AwsCredentialsNotFoundException(string message, Exception? inner = null)
    : TroubleshooterException(ErrorIds.CredentialsNotFound, FailureCategory.Authentication, message, inner);

/// <summary>No region anywhere AWS.Tools would look.</summary>
public sealed class AwsRegionNotFoundException(string message)
    : TroubleshooterException(ErrorIds.RegionNotFound, FailureCategory.InvalidArgument, message);
