"""The visit plan (issue 15): term calendar, what the policy asks, the deterministic schedule,
its documents (class plan .docx/PDF, timetable .xlsx/PDF, .ics per teacher) and tracking."""
