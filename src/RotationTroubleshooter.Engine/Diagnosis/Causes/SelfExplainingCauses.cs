using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Diagnosis.Causes;

/// <summary>
/// Symptoms whose log line says the cause itself (docs/reference/template-log-strings.md): the template checked and
/// named what is wrong, so the symptom is its own cause.
/// </summary>
internal sealed class SelfExplainingCauses : SymptomCauses
{
    public override IReadOnlyList<FindingDefinition> Symptoms =>
    [
        RotationSymptoms.RotationNotEnabledForSecret, RotationSymptoms.RotatedVersionNotPending, RotationSymptoms.PendingUserMismatch,
        RotationSymptoms.PendingHostMismatch, RotationSymptoms.MasterHostMismatch, RotationSymptoms.CloneUsernameTooLong,
        RotationSymptoms.MasterDatabaseNotFound, RotationSymptoms.ConnectionParametersLookupFailed, RotationSymptoms.SetPasswordFailed,
        RotationSymptoms.TlsHostnameMismatch,
    ];

    public override IReadOnlyList<FindingDefinition> Causes => Symptoms;

    public override Task<IReadOnlyList<CauseAssessment>> AssessAsync(CauseEvidence evidence, CancellationToken cancellation) =>
        Task.FromResult<IReadOnlyList<CauseAssessment>>([new CauseAssessment(evidence.Symptom, CauseVerdict.Confirmed, evidence.Attempt.Evidence)]);
}
