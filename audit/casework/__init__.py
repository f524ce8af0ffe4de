"""Casework on recorded decisions: objections, referrals, their deadlines and the committee dossier."""
