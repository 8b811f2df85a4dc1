"""One realistic set of ratings (a school-age child who needs regulating first), shared by
the assessment service tests and the browser journey."""

FUNCTIONING = {
    "autonomic_regulation": 1, "temperature_metabolic": 3, "sleep": 1, "feeding_appetite": 2,
    "sensory_tolerance": 2, "arousal_baseline": 1, "startle_response": 1, "orienting_attention": 2,
    "fine_motor": 3, "gross_motor_coordination": 4, "body_awareness": 2, "activity_level": 2,
    "state_transitions": 1, "dissociation": 2, "rhythm_timing": 3, "self_soothing": 1,
    "attachment_security": 2, "attunement_empathy": 2, "affect_regulation": 1, "reward_pleasure": 3,
    "peer_play": 2, "social_cues": 2, "relational_trust": 1, "emotional_expression": 2,
    "receptive_language": 4, "expressive_language": 3, "concrete_reasoning": 3, "impulse_control": 1,
    "executive_function": 2, "abstract_reasoning": 3, "self_reflection": 2, "academic_skills": 5,
}
RELATIONAL = {"caregiver_connection": 3, "home_stability": 2, "kin_connection": 1,
              "peer_connection": 1, "community_connection": 2, "cultural_connection": 2}
