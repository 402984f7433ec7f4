import DuetCore
